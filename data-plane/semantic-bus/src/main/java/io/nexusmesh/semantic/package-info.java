/**
 * The Kafka semantic bus as every component sees it: topic names and record formats ({@link
 * io.nexusmesh.semantic.Topics}), shared by the LLM manager and the gateways.
 */
@NullMarked
package io.nexusmesh.semantic;

import org.jspecify.annotations.NullMarked;
