package io.nexusmesh.semantic;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.SessionContext;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The semantic bus in one place: its topic names and the serdes of their records. Keys are session
 * ids (UTF-8 strings), values binary {@link SemanticEvent}s. The topology reads its input as raw
 * bytes ({@link #rawValues()}) so that a record that does not parse reaches the dead-letter topic
 * rather than stopping the stream.
 *
 * @param commands what sessions are asked and told back (turn requests, model and tool calls, their
 *     replies)
 * @param events what happened, in order: the replayable chain
 * @param deadLetters records that could not be processed, as they arrived
 */
public record Topics(String commands, String events, String deadLetters) {
  /** The names every component uses unless configured otherwise. */
  public static final Topics DEFAULT =
      new Topics("nexus.semantic.commands", "nexus.semantic.events", "nexus.semantic.dead-letters");

  /** The header of a dead letter that says why it is one. */
  public static final String ERROR_HEADER = "nexus-error";

  public Topics {
    requireNonNull(commands, "commands");
    requireNonNull(events, "events");
    requireNonNull(deadLetters, "deadLetters");
  }

  /** All three, for creating them. */
  public List<String> all() {
    return List.of(commands, events, deadLetters);
  }

  /**
   * The partition of {@code sessionId}'s records in a topic of {@code partitions} partitions: the
   * producers' default partitioner (murmur2 of the key), so a replay reads one partition, not all.
   */
  public static int partitionOf(String sessionId, int partitions) {
    byte[] key = sessionId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return org.apache.kafka.common.utils.Utils.toPositive(
            org.apache.kafka.common.utils.Utils.murmur2(key))
        % partitions;
  }

  /** The record keys: session ids. */
  public static Serde<String> keys() {
    return Serdes.String();
  }

  /** Record values as they are on the wire. */
  public static Serde<byte[]> rawValues() {
    return Serdes.ByteArray();
  }

  /** Record values as {@link SemanticEvent}s (a record that does not parse throws). */
  public static Serde<SemanticEvent> semanticEvents() {
    return protobuf(SemanticEvent::parseFrom);
  }

  /** The state store's values. */
  public static Serde<SessionContext> contexts() {
    return protobuf(SessionContext::parseFrom);
  }

  /** Parses one message type. */
  @FunctionalInterface
  private interface Parser<T> {
    T parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  private static <T extends com.google.protobuf.Message> Serde<T> protobuf(Parser<T> parser) {
    return Serdes.serdeFrom(
        (topic, value) -> value == null ? null : value.toByteArray(),
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return parser.parse(bytes);
          } catch (InvalidProtocolBufferException e) {
            throw new SerializationException("not a protobuf record on " + topic, e);
          }
        });
  }
}
