/**
 * The workflow engine: interprets a WorkflowSpec node by node (CEL, HTTP, branch, parallel, map,
 * wait, sub-workflow) with retries and deadlines.
 */
@NullMarked
package io.nexusmesh.gateway.engine;

import org.jspecify.annotations.NullMarked;
