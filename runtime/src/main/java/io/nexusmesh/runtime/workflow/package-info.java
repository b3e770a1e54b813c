/** Shared definitions of workflow specs: the CEL environment their expressions run in. */
@NullMarked
package io.nexusmesh.runtime.workflow;

import org.jspecify.annotations.NullMarked;
