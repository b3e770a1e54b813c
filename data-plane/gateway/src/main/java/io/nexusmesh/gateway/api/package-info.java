/**
 * The execution API: ExecutionService over gRPC, REST and gRPC-Web, execution events as SSE, input
 * validation and cluster-wide rate limits.
 */
@NullMarked
package io.nexusmesh.gateway.api;

import org.jspecify.annotations.NullMarked;
