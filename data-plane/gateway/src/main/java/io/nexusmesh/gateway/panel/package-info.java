/**
 * Panels as the gateway meets them: the routes to their sidecars (from the organisation's key set)
 * and tool calls through SidecarService.
 */
@NullMarked
package io.nexusmesh.gateway.panel;

import org.jspecify.annotations.NullMarked;
