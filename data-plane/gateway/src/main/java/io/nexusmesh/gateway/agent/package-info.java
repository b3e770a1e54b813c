/**
 * Sessions' agents: turns started from session messages onto the Kafka semantic bus, the turn
 * credentials their tool calls carry, the chain fanned out to the session's subscribers, replay of
 * the chain from the log, and the organisations' token budget.
 */
@NullMarked
package io.nexusmesh.gateway.agent;

import org.jspecify.annotations.NullMarked;
