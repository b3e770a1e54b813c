package io.nexusmesh.llm.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.SessionContext;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.validation.RequestValidator;
import io.nexusmesh.semantic.Topics;
import io.nexusmesh.semantic.TraceHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology's one processor: parses and validates each command, runs it through the session's
 * {@link TurnMachine} against the context in the state store, stores the next context and forwards
 * what the machine wrote. A record that does not parse, breaks the envelope's constraints, is keyed
 * by another session than it names, or belongs to another organisation than its session goes to the
 * dead-letter topic with the reason in a header; the stream goes on.
 */
final class TurnProcessor implements Processor<String, byte[], String, Outgoing> {
  private static final Logger log = LoggerFactory.getLogger(TurnProcessor.class);

  private final TurnMachine machine;
  private final RequestValidator validator = new RequestValidator();
  private ProcessorContext<String, Outgoing> context;
  private KeyValueStore<String, SessionContext> store;
  private KeyValueStore<String, Long> deadlines;

  TurnProcessor(TurnMachine machine) {
    this.machine = machine;
  }

  @Override
  public void init(ProcessorContext<String, Outgoing> context) {
    this.context = context;
    this.store = context.getStateStore(TurnTopology.CONTEXTS);
    this.deadlines = context.getStateStore(TurnTopology.DEADLINES);
    context.schedule(
        java.time.Duration.ofSeconds(1),
        org.apache.kafka.streams.processor.PunctuationType.WALL_CLOCK_TIME,
        this::expireDue);
  }

  /** Fails the turns whose deadline passed. */
  private void expireDue(long now) {
    List<String> due = new java.util.ArrayList<>();
    try (var all = deadlines.all()) {
      all.forEachRemaining(
          entry -> {
            if (entry.value <= now) {
              due.add(entry.key);
            }
          });
    }
    for (String session : due) {
      SessionContext current = store.get(session);
      if (current == null) {
        deadlines.delete(session);
        continue;
      }
      apply(session, current, machine.expire(current, session, now), now, new RecordHeaders());
    }
  }

  /** Stores the next context (and its turn's deadline) and forwards what the step wrote. */
  private void apply(
      String session,
      @Nullable SessionContext current,
      TurnMachine.Step step,
      long timestamp,
      Headers trace) {
    if (current == null || !step.context().equals(current)) {
      store.put(session, step.context());
    }
    if (step.context().hasTurn()) {
      long deadline = step.context().getTurn().getDeadlineMillis();
      if (current == null
          || !current.hasTurn()
          || current.getTurn().getDeadlineMillis() != deadline) {
        deadlines.put(session, deadline);
      }
    } else if (current != null && current.hasTurn()) {
      deadlines.delete(session);
    }
    for (Outgoing out : step.out()) {
      // Each record it causes carries the trace of the command that caused it.
      var headers = new RecordHeaders();
      TraceHeaders.copy(trace, headers);
      context.forward(new Record<>(session, out, timestamp, headers));
    }
  }

  @Override
  public void process(Record<String, byte[]> record) {
    byte[] raw = record.value() == null ? new byte[0] : record.value();
    SemanticEvent command;
    try {
      command = SemanticEvent.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      deadLetter(record, raw, "not a SemanticEvent: " + e.getMessage());
      return;
    }
    List<FieldViolation> violations = validator.violations(command);
    if (!violations.isEmpty()) {
      deadLetter(
          record,
          raw,
          violations.stream()
              .map(v -> v.field() + ": " + v.description())
              .collect(Collectors.joining("; ")));
      return;
    }
    if (record.key() == null || !record.key().equals(command.getSessionId())) {
      deadLetter(record, raw, "keyed by '" + record.key() + "', not by its session_id");
      return;
    }
    SessionContext current = store.get(command.getSessionId());
    if (current != null && !current.getOrg().equals(command.getOrg())) {
      deadLetter(
          record, raw, "session " + command.getSessionId() + " belongs to another organisation");
      return;
    }
    TurnMachine.Step step = machine.apply(current, command, record.timestamp());
    apply(command.getSessionId(), current, step, record.timestamp(), record.headers());
  }

  private void deadLetter(Record<String, byte[]> record, byte[] raw, String reason) {
    log.warn("dead letter (session key '{}'): {}", record.key(), reason);
    var headers = new RecordHeaders();
    headers.add(Topics.ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    context.forward(
        new Record<>(
            record.key(), new Outgoing.DeadLetter(raw, reason), record.timestamp(), headers));
  }
}
