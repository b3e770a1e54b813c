/**
 * Sessions: contexts that follow a caller across channels (gRPC, REST, gRPC-Web, MCP) and gateway
 * replicas, kept in Redis, with their events fanned out through Redis pub/sub.
 */
@NullMarked
package io.nexusmesh.gateway.session;

import org.jspecify.annotations.NullMarked;
