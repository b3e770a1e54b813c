package io.nexusmesh.client;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The Java SDK's entry point: typed calls to a Nexus Mesh control plane (workflows, deployments,
 * API keys, audit trail, gateways) and to one of its gateways (execute, watch). Thread-safe; make
 * one per application and close it at the end.
 *
 * <pre>{@code
 * try (NexusClient nexus = NexusClient.builder()
 *     .token(System.getenv("NEXUS_TOKEN"))        // management calls
 *     .apiKey(System.getenv("NEXUS_API_KEY"))     // running workflows
 *     .build()) {
 *   Struct output = nexus.executions().execute("hello", Json.struct("{\"name\": \"Ada\"}")).getOutput();
 * }
 * }</pre>
 *
 * <p>The control plane is called with the management token; gateways with the API key, or with the
 * token when no key is set (it must then carry the gateway audience). Each unary call has a
 * deadline ({@link Builder#deadline}); calls refused with UNAVAILABLE are retried with backoff
 * ({@link Builder#maxAttempts}), others never.
 */
public final class NexusClient implements AutoCloseable {
  private final @Nullable Endpoint controlPlane;
  private final @Nullable Endpoint gateway;

  private NexusClient(@Nullable Endpoint controlPlane, @Nullable Endpoint gateway) {
    this.controlPlane = controlPlane;
    this.gateway = gateway;
  }

  /** Starts building a client for {@code http://127.0.0.1:8080} and {@code :9090} (dev). */
  public static Builder builder() {
    return new Builder();
  }

  /** Workflows and their versions (control plane). */
  public Workflows workflows() {
    return new Workflows(controlPlane());
  }

  /** Deployments of versions to environments (control plane). */
  public Deployments deployments() {
    return new Deployments(controlPlane());
  }

  /** API keys of the caller's organisation (control plane). */
  public ApiKeys apiKeys() {
    return new ApiKeys(controlPlane());
  }

  /** Panels of the caller's organisation (control plane). */
  public Panels panels() {
    return new Panels(controlPlane());
  }

  /** Secrets of the caller's organisation, write-only (control plane). */
  public Secrets secrets() {
    return new Secrets(controlPlane());
  }

  /** The egress policy of the caller's organisation (control plane). */
  public Egress egress() {
    return new Egress(controlPlane());
  }

  /** The audit trail (control plane). */
  public AuditTrail audit() {
    return new AuditTrail(controlPlane());
  }

  /** The registered gateways (control plane). */
  public Gateways gateways() {
    return new Gateways(controlPlane());
  }

  /** Runs and follows workflows (gateway). */
  public Executions executions() {
    if (gateway == null) {
      throw new MissingCredentialException(
          "no gateway credential: running workflows needs an API key (or a gateway-audience token)");
    }
    return new Executions(gateway);
  }

  /** Sessions, their agents and chains (gateway). */
  public Sessions sessions() {
    if (gateway == null) {
      throw new MissingCredentialException(
          "no gateway credential: sessions need an API key (or a gateway-audience token)");
    }
    return new Sessions(gateway);
  }

  private Endpoint controlPlane() {
    if (controlPlane == null) {
      throw new MissingCredentialException(
          "no management token: the control plane needs an OIDC access token");
    }
    return controlPlane;
  }

  @Override
  public void close() {
    if (controlPlane != null) {
      controlPlane.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  /** A call needs a credential the client was built without. */
  public static final class MissingCredentialException extends IllegalStateException {
    MissingCredentialException(String message) {
      super(message);
    }
  }

  /** Settings of a {@link NexusClient}. */
  public static final class Builder {
    private URI controlPlaneUrl = URI.create("http://127.0.0.1:8080");
    private URI gatewayUrl = URI.create("http://127.0.0.1:9090");
    private @Nullable Supplier<String> token;
    private @Nullable String apiKey;
    private Duration deadline = Duration.ofSeconds(30);
    private int maxAttempts = 4;
    private TraceContext trace = TraceContext.current();

    private Builder() {}

    /**
     * The W3C {@code traceparent} sent with each call, asked before every call (empty: none).
     * Without it, the client sends OpenTelemetry's current context, when there is one.
     */
    public Builder traceparent(Supplier<String> traceparent) {
      this.trace = TraceContext.of(traceparent);
      return this;
    }

    /** The control plane, e.g. {@code https://nexus.example.com}. */
    public Builder controlPlane(String url) {
      this.controlPlaneUrl = URI.create(requireNonNull(url, "url"));
      return this;
    }

    /** The gateway that runs workflows, e.g. {@code https://gw.nexus.example.com}. */
    public Builder gateway(String url) {
      this.gatewayUrl = URI.create(requireNonNull(url, "url"));
      return this;
    }

    /** A fixed OIDC access token (e.g. from {@code nexus login}). */
    public Builder token(String token) {
      requireNonNull(token, "token");
      return tokenProvider(() -> token);
    }

    /** Where access tokens come from, asked before every call, e.g. {@link ClientCredentials}. */
    public Builder tokenProvider(Supplier<String> provider) {
      this.token = requireNonNull(provider, "provider");
      return this;
    }

    /** An API key of the organisation ({@code nxk_...}), sent to gateways. */
    public Builder apiKey(String apiKey) {
      this.apiKey = requireNonNull(apiKey, "apiKey");
      return this;
    }

    /** The deadline of each unary call; 30 s by default. */
    public Builder deadline(Duration deadline) {
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
      }
      this.deadline = deadline;
      return this;
    }

    /** How many times a call refused with UNAVAILABLE is tried in all; 4 by default, 1: never. */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > 5) {
        throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: 1..5)");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** A client; its channels connect lazily, on the first call. */
    public NexusClient build() {
      CallCredentials tokenCredentials = token == null ? null : new BearerCredentials(token);
      CallCredentials gatewayCredentials =
          apiKey != null ? new BearerCredentials(() -> apiKey) : tokenCredentials;
      Endpoint controlPlane =
          tokenCredentials == null
              ? null
              : Endpoint.open(controlPlaneUrl, tokenCredentials, deadline, maxAttempts, trace);
      Endpoint gateway =
          gatewayCredentials == null
              ? null
              : Endpoint.open(gatewayUrl, gatewayCredentials, deadline, maxAttempts, trace);
      return new NexusClient(controlPlane, gateway);
    }
  }
}
