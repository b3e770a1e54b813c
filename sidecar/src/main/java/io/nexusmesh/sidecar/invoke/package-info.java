/**
 * {@code SidecarService}: the mesh's tool calls, relayed to the panel's {@code POST /mcp/execute}.
 */
@NullMarked
package io.nexusmesh.sidecar.invoke;

import org.jspecify.annotations.NullMarked;
