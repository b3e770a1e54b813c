/** The per-session turn state machine, a pure Kafka Streams topology, and its context budget. */
@NullMarked
package io.nexusmesh.llm.topology;

import org.jspecify.annotations.NullMarked;
