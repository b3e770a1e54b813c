package io.nexusmesh.runtime.error;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.nexusmesh.api.common.v1.ErrorReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one exception type Nexus Mesh code throws for an error a caller should see. Its {@link
 * ErrorReason} decides the gRPC status code (and so the HTTP status); the optional details become
 * {@code google.rpc} details: {@code ErrorInfo} always, {@code BadRequest} for field violations,
 * {@code ResourceInfo} for a missing or conflicting resource, {@code RetryInfo} for a retry delay.
 *
 * <p>The message is shown to callers, so it must never carry secrets or internals. Anything that is
 * not a {@code NexusException} reaches callers as a generic {@code INTERNAL} error.
 */
public final class NexusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorReason reason;
  private final Map<String, String> metadata;
  private final List<FieldViolation> violations;
  private final @Nullable ResourceRef resource;
  private final @Nullable Duration retryDelay;

  private NexusException(
      ErrorReason reason,
      String message,
      Map<String, String> metadata,
      List<FieldViolation> violations,
      @Nullable ResourceRef resource,
      @Nullable Duration retryDelay,
      @Nullable Throwable cause) {
    super(requireNonNull(message, "message"), cause, false, false);
    this.reason = requireNonNull(reason, "reason");
    if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED || reason == ErrorReason.UNRECOGNIZED) {
      throw new IllegalArgumentException("reason: " + reason + " (expected: a defined reason)");
    }
    this.metadata = Map.copyOf(metadata);
    this.violations = List.copyOf(violations);
    this.resource = resource;
    this.retryDelay = retryDelay;
  }

  /** A resource that an error is about, e.g. type {@code workflow} and name {@code hello}. */
  public record ResourceRef(String type, String name) {
    public ResourceRef {
      requireNonNull(type, "type");
      requireNonNull(name, "name");
    }
  }

  /** An error with a reason and a caller-safe message, and no further details. */
  public static NexusException of(ErrorReason reason, String message) {
    return new NexusException(reason, message, Map.of(), List.of(), null, null, null);
  }

  /** INVALID_ARGUMENT listing every invalid field. */
  public static NexusException invalidArgument(List<FieldViolation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("violations: [] (expected: at least one)");
    }
    String message =
        violations.size() == 1
            ? "invalid " + violations.get(0).field() + ": " + violations.get(0).description()
            : violations.size() + " invalid fields, first " + violations.get(0).field();
    return new NexusException(
        ErrorReason.ERROR_REASON_INVALID_ARGUMENT, message, Map.of(), violations, null, null, null);
  }

  /** INVALID_ARGUMENT for one invalid field. */
  public static NexusException invalidArgument(String field, String description) {
    return invalidArgument(List.of(new FieldViolation(field, description)));
  }

  /** INVALID_ARGUMENT for a body that could not be parsed at all. */
  public static NexusException malformedRequest(String message) {
    return of(ErrorReason.ERROR_REASON_MALFORMED_REQUEST, message);
  }

  /** NOT_FOUND for a resource that does not exist or that the caller may not know exists. */
  public static NexusException notFound(String type, String name) {
    return new NexusException(
        ErrorReason.ERROR_REASON_NOT_FOUND,
        type + " '" + name + "' not found",
        Map.of(),
        List.of(),
        new ResourceRef(type, name),
        null,
        null);
  }

  /** ALREADY_EXISTS for a create that collides with an existing resource. */
  public static NexusException alreadyExists(String type, String name) {
    return new NexusException(
        ErrorReason.ERROR_REASON_ALREADY_EXISTS,
        type + " '" + name + "' already exists",
        Map.of(),
        List.of(),
        new ResourceRef(type, name),
        null,
        null);
  }

  /** RESOURCE_EXHAUSTED with the delay after which a retry may succeed. */
  public static NexusException rateLimited(String message, Duration retryDelay) {
    requireNonNull(retryDelay, "retryDelay");
    return new NexusException(
        ErrorReason.ERROR_REASON_RATE_LIMITED,
        message,
        Map.of(),
        List.of(),
        null,
        retryDelay,
        null);
  }

  /**
   * Returns a copy of this error with a {@code RetryInfo}: retrying after {@code delay} may work.
   */
  public NexusException withRetryDelay(Duration delay) {
    return new NexusException(
        reason,
        getMessage(),
        metadata,
        violations,
        resource,
        requireNonNull(delay, "delay"),
        getCause());
  }

  /** Returns a copy of this error with one more {@code ErrorInfo} metadata entry. */
  public NexusException withMetadata(String key, String value) {
    var merged = new java.util.LinkedHashMap<>(metadata);
    merged.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
    return new NexusException(
        reason, getMessage(), merged, violations, resource, retryDelay, getCause());
  }

  /** Returns a copy of this error that keeps {@code cause} for server-side logs only. */
  public NexusException withCause(Throwable cause) {
    return new NexusException(
        reason, getMessage(), metadata, violations, resource, retryDelay, cause);
  }

  public ErrorReason reason() {
    return reason;
  }

  /** The gRPC status code this error's reason maps to. */
  public Status.Code code() {
    return ErrorReasons.code(reason);
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public List<FieldViolation> violations() {
    return violations;
  }

  public @Nullable ResourceRef resource() {
    return resource;
  }

  public @Nullable Duration retryDelay() {
    return retryDelay;
  }
}
