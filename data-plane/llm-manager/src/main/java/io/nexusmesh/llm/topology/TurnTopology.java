package io.nexusmesh.llm.topology;

import io.nexusmesh.semantic.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The LLM manager's topology: commands in, keyed by session; per-session context in the {@value
 * #CONTEXTS} store, the deadlines of turns in progress in {@value #DEADLINES}; chain events, work
 * for the asynchronous callers and dead letters out. Pure: it only describes, so tests drive it
 * with {@code TopologyTestDriver}.
 */
public final class TurnTopology {
  /** The per-session context store (persistent, changelogged). */
  public static final String CONTEXTS = "session-contexts";

  /** The deadlines of the turns in progress, by session: what the timeout scan reads. */
  public static final String DEADLINES = "turn-deadlines";

  private TurnTopology() {}

  /** Adds the topology to {@code builder}. */
  public static void build(StreamsBuilder builder, Topics topics, TurnMachine machine) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(CONTEXTS), Topics.keys(), Topics.contexts()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(DEADLINES), Topics.keys(), Serdes.Long()));
    builder.stream(topics.commands(), Consumed.with(Topics.keys(), Topics.rawValues()))
        .process(() -> new TurnProcessor(machine), CONTEXTS, DEADLINES)
        .to(
            (key, value, record) -> value.topic(topics),
            Produced.with(
                Topics.keys(),
                Serdes.serdeFrom(
                    (topic, out) -> out.bytes(),
                    (topic, bytes) -> {
                      throw new UnsupportedOperationException("write-only");
                    })));
  }
}
