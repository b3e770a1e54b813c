package io.nexusmesh.gateway;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.gateway.payload.PayloadSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a gateway, read from environment variables ({@link #fromEnvironment}); each has a
 * default that works on one machine next to {@code nexus dev}.
 *
 * @param port the port of the execution API (gRPC, REST, gRPC-Web, SSE, docs, health, metrics)
 * @param gatewayId the gateway's stable id, as registered with the control plane
 * @param environment the environment it serves: {@code dev}, {@code staging} or {@code prod}
 * @param advertisedUrl the URL the control plane reaches this gateway's admin service at
 * @param redisUrl the Redis holding journals, leases, sessions and rate limits
 * @param oidcIssuer the issuer whose gateway-audience tokens are accepted (and whose tokens the
 *     control plane pushes deployments with)
 * @param controlPlaneUrl the control plane to register with, or null to run unregistered
 * @param controlPlaneToken the gateway's service-account token for the control plane
 * @param leaseTtl how long an execution's owner lease outlives its last renewal
 * @param retention how long finished executions stay readable
 * @param rateLimitPerKey executions per second per API key (0: unlimited)
 * @param rateLimitPerOrg executions per second per organisation (0: unlimited)
 * @param maxExecuteWait how long Execute waits for an output when the caller set no deadline
 * @param shutdownTimeout the longest a graceful shutdown waits for in-flight calls
 * @param mcpAllowedOrigins browser origins besides the gateway's own that may call {@code /mcp}
 * @param meshEndpoints {@code host:port} endpoints of the mesh (besides this gateway, its control
 *     plane and its Redis, which count anyway) that no workflow may call, e.g. Kafka's
 * @param kafkaBootstrap {@code NEXUS_KAFKA_BOOTSTRAP}: the semantic bus, where sessions' agents
 *     run; null: sessions have no agents
 * @param xdsServer {@code NEXUS_XDS_SERVER}: the control plane's xDS server ({@code host:port});
 *     when set, panels' sidecars are reached through {@code xds:///panel.NAME} names resolved by
 *     grpc-java's xDS client, and the traffic gateway routes to the endpoints it is pushed
 * @param llmTokensPerHour {@code NEXUS_LLM_ORG_TOKENS_PER_HOUR} (1,000,000): model tokens an
 *     organisation's agents may use per clock hour (0: unlimited)
 * @param parkAfter {@code NEXUS_GATEWAY_PARK_AFTER} (500ms): a durable execution that would wait
 *     longer than this for a signal or a timer is parked in Redis, holding no thread or memory of
 *     any gateway until it is due ({@code never}: waits are held in memory)
 * @param bulkheads {@code NEXUS_BULKHEAD_MAX_CONCURRENT} (64), {@code NEXUS_BULKHEAD_MAX_QUEUED}
 *     (256), {@code NEXUS_BULKHEAD_MAX_WAIT} (10s): per downstream (an organisation's http host,
 *     panel or model), how many calls run at once and how many wait, for how long
 * @param payloads {@code NEXUS_PAYLOAD_STORE} ({@code $NEXUS_HOME/payloads}): a directory, or
 *     {@code s3://bucket/prefix} (with {@code NEXUS_S3_ENDPOINT} and {@code NEXUS_S3_REGION} for an
 *     S3-compatible store, credentials from the AWS SDK's default chain); {@code
 *     NEXUS_PAYLOAD_THRESHOLD} (262144): bytes above which an input, output or journal entry goes
 *     there; {@code NEXUS_PAYLOAD_MAX} (8388608): the largest payload accepted
 */
public record GatewayConfig(
    int port,
    String gatewayId,
    String environment,
    String advertisedUrl,
    String redisUrl,
    URI oidcIssuer,
    @Nullable String controlPlaneUrl,
    @Nullable String controlPlaneToken,
    Duration leaseTtl,
    Duration retention,
    long rateLimitPerKey,
    long rateLimitPerOrg,
    Duration maxExecuteWait,
    Duration shutdownTimeout,
    List<String> mcpAllowedOrigins,
    List<String> meshEndpoints,
    @Nullable String kafkaBootstrap,
    long llmTokensPerHour,
    @Nullable String xdsServer,
    Duration parkAfter,
    io.nexusmesh.gateway.engine.Bulkheads.Limits bulkheads,
    PayloadSettings payloads) {
  private static final Pattern DURATION = Pattern.compile("^(\\d+)(ms|s|m|h|d)$");

  public GatewayConfig {
    requireNonNull(gatewayId, "gatewayId");
    requireNonNull(environment, "environment");
    requireNonNull(advertisedUrl, "advertisedUrl");
    requireNonNull(redisUrl, "redisUrl");
    requireNonNull(oidcIssuer, "oidcIssuer");
    requireNonNull(leaseTtl, "leaseTtl");
    requireNonNull(retention, "retention");
    requireNonNull(maxExecuteWait, "maxExecuteWait");
    mcpAllowedOrigins = List.copyOf(requireNonNull(mcpAllowedOrigins, "mcpAllowedOrigins"));
    meshEndpoints = List.copyOf(requireNonNull(meshEndpoints, "meshEndpoints"));
    requireNonNull(shutdownTimeout, "shutdownTimeout");
    requireNonNull(parkAfter, "parkAfter");
    requireNonNull(bulkheads, "bulkheads");
    requireNonNull(payloads, "payloads");
  }

  /** The settings of {@code System.getenv()}. */
  public static GatewayConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** The settings in {@code env}, with defaults for what is missing. */
  public static GatewayConfig fromEnvironment(Map<String, String> env) {
    int port = Integer.parseInt(env.getOrDefault("NEXUS_GATEWAY_PORT", "9090"));
    String controlPlane = env.getOrDefault("NEXUS_CONTROL_PLANE_URL", "http://127.0.0.1:8080");
    return new GatewayConfig(
        port,
        env.getOrDefault("NEXUS_GATEWAY_ID", defaultId()),
        env.getOrDefault("NEXUS_GATEWAY_ENVIRONMENT", "dev").toLowerCase(Locale.ROOT),
        env.getOrDefault("NEXUS_GATEWAY_ADVERTISED_URL", "http://127.0.0.1:" + port),
        env.getOrDefault("NEXUS_REDIS_URL", "redis://127.0.0.1:6379"),
        URI.create(env.getOrDefault("NEXUS_OIDC_ISSUER", "http://127.0.0.1:8080/dev-issuer")),
        controlPlane.isBlank() ? null : controlPlane,
        env.get("NEXUS_GATEWAY_TOKEN"),
        duration(env.getOrDefault("NEXUS_GATEWAY_LEASE_TTL", "10s")),
        duration(env.getOrDefault("NEXUS_GATEWAY_RETENTION", "7d")),
        Long.parseLong(env.getOrDefault("NEXUS_GATEWAY_RATE_LIMIT_PER_KEY", "200")),
        Long.parseLong(env.getOrDefault("NEXUS_GATEWAY_RATE_LIMIT_PER_ORG", "2000")),
        duration(env.getOrDefault("NEXUS_GATEWAY_MAX_EXECUTE_WAIT", "25s")),
        duration(env.getOrDefault("NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "15s")),
        list(env.getOrDefault("NEXUS_GATEWAY_MCP_ALLOWED_ORIGINS", "")),
        list(env.getOrDefault("NEXUS_EGRESS_MESH_ENDPOINTS", "")),
        blankToNull(env.get("NEXUS_KAFKA_BOOTSTRAP")),
        Long.parseLong(env.getOrDefault("NEXUS_LLM_ORG_TOKENS_PER_HOUR", "1000000")),
        blankToNull(env.get("NEXUS_XDS_SERVER")),
        "never".equals(env.get("NEXUS_GATEWAY_PARK_AFTER"))
            ? Duration.ofMillis(-1)
            : duration(env.getOrDefault("NEXUS_GATEWAY_PARK_AFTER", "500ms")),
        new io.nexusmesh.gateway.engine.Bulkheads.Limits(
            Integer.parseInt(env.getOrDefault("NEXUS_BULKHEAD_MAX_CONCURRENT", "64")),
            Integer.parseInt(env.getOrDefault("NEXUS_BULKHEAD_MAX_QUEUED", "256")),
            duration(env.getOrDefault("NEXUS_BULKHEAD_MAX_WAIT", "10s")),
            Duration.ofSeconds(1)),
        PayloadSettings.fromEnvironment(env));
  }

  private static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static List<String> list(String commaSeparated) {
    return java.util.Arrays.stream(commaSeparated.split(","))
        .map(String::strip)
        .filter(item -> !item.isEmpty())
        .toList();
  }

  /**
   * Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h} or {@code 7d}: the form the control
   * plane's settings take through Spring, by hand here because the gateway has no Spring and {@link
   * Duration#parse} wants ISO-8601 ({@code PT10S}), which nobody types.
   */
  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "duration: '" + text + "' (expected: a number and ms, s, m, h or d, e.g. 10s)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static String defaultId() {
    String host = System.getenv().getOrDefault("HOSTNAME", "local");
    String id = ("gw-" + host).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    return id.length() > 63 ? id.substring(0, 63) : id;
  }
}
