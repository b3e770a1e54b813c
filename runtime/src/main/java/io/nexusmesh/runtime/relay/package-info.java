/** Forwarding a caller's HTTP request or WebSocket to an upstream (traffic gateway, sidecar). */
@NullMarked
package io.nexusmesh.runtime.relay;

import org.jspecify.annotations.NullMarked;
