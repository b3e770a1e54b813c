package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.api.controlplane.v1.AuditOutcome;
import io.nexusmesh.runtime.auth.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs every change of the control plane the same way, in one transaction: replay the first
 * response if the {@code request_id} was seen, else make the change, append exactly one audit event
 * and remember the response. A change that fails rolls back whole: no half-written record, no audit
 * event. Committed events are then handed to the live audit feed.
 */
@Component
public class Mutations {
  private final TransactionTemplate transactions;
  private final AuditStore audit;
  private final IdempotencyStore idempotency;
  private final Consumer<AuditEvent> committedEvents;
  private final Clock clock;

  public Mutations(
      TransactionTemplate transactions,
      AuditStore audit,
      IdempotencyStore idempotency,
      AuditFeed feed,
      Clock clock) {
    this.transactions = requireNonNull(transactions, "transactions");
    this.audit = requireNonNull(audit, "audit");
    this.idempotency = requireNonNull(idempotency, "idempotency");
    this.committedEvents = requireNonNull(feed, "feed")::publish;
    this.clock = requireNonNull(clock, "clock");
  }

  /** What a change produced: the response to return and the resource name to audit. */
  public record Change<R>(R response, String resource) {}

  /**
   * Runs {@code change} for {@code principal} as the RPC {@code method}.
   *
   * @param requestId the caller's idempotency key, or empty
   * @param parser parses a stored response when the key was seen before
   * @param change makes the change, given the transaction's time
   */
  public <R extends Message> R run(
      Principal principal,
      String method,
      String requestId,
      Parser<R> parser,
      Function<Instant, Change<R>> change) {
    return run(principal, method, requestId, parser, change, UnaryOperator.identity());
  }

  /**
   * Like {@link #run(Principal, String, String, Parser, Function)}, remembering for retries only
   * what {@code remembered} keeps of the response (e.g. without a secret that is shown once).
   */
  public <R extends Message> R run(
      Principal principal,
      String method,
      String requestId,
      Parser<R> parser,
      Function<Instant, Change<R>> change,
      UnaryOperator<R> remembered) {
    try {
      return attempt(principal, method, requestId, parser, change, remembered);
    } catch (DuplicateKeyException e) {
      if (requestId.isEmpty()) {
        throw e;
      }
      // A concurrent call with the same key committed first: answer with its response.
      return attempt(principal, method, requestId, parser, change, remembered);
    }
  }

  private <R extends Message> R attempt(
      Principal principal,
      String method,
      String requestId,
      Parser<R> parser,
      Function<Instant, Change<R>> change,
      UnaryOperator<R> remembered) {
    return transactions.execute(
        status -> {
          if (!requestId.isEmpty()) {
            var previous = idempotency.find(principal.org(), method, requestId);
            if (previous.isPresent()) {
              return parse(parser, previous.get());
            }
          }
          Instant now = clock.instant();
          Change<R> result = change.apply(now);
          AuditEvent event =
              audit.append(
                  principal.org(),
                  principal.subject(),
                  method,
                  result.resource(),
                  requestId.isEmpty() ? "gen-" + UUID.randomUUID() : requestId,
                  AuditOutcome.AUDIT_OUTCOME_SUCCEEDED,
                  now);
          if (!requestId.isEmpty()) {
            idempotency.save(
                principal.org(),
                method,
                requestId,
                remembered.apply(result.response()).toByteArray(),
                now);
          }
          TransactionSynchronizationManager.registerSynchronization(
              new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                  committedEvents.accept(event);
                }
              });
          return result.response();
        });
  }

  private static <R extends Message> R parse(Parser<R> parser, byte[] bytes) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored response is not readable", e);
    }
  }
}
