/**
 * The MCP channel: deployed workflows as tools for AI agents, over MCP's streamable HTTP transport
 * at {@code /mcp}, with sessions kept in Redis so any gateway serves any session.
 */
@NullMarked
package io.nexusmesh.gateway.mcp;

import org.jspecify.annotations.NullMarked;
