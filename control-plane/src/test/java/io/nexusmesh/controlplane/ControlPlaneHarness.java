package io.nexusmesh.controlplane;

import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.GetDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.controlplane.deployment.GatewayCredentials;
import io.nexusmesh.controlplane.server.ControlPlaneServer;
import io.nexusmesh.controlplane.server.TrustedIssuer;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.gateway.GatewayConfig;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.testing.RedisEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the real control plane application (Spring context, Armeria server, H2 file store, dev
 * issuer) on a free port in a temporary home, and gives tests tokens and a grpc-java channel.
 */
final class ControlPlaneHarness implements AutoCloseable {
  final Path home;
  final ConfigurableApplicationContext context;
  final int port;
  final DevTokenIssuer issuer;
  final ManagedChannel channel;

  private ControlPlaneHarness(Path home, ConfigurableApplicationContext context) {
    this.home = home;
    this.context = context;
    this.port = context.getBean(ControlPlaneServer.class).port();
    // Null when the control plane trusts an external issuer (e.g. Keycloak) instead.
    this.issuer = context.getBean(TrustedIssuer.class).devIssuer().orElse(null);
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  static ControlPlaneHarness start(String... extraProperties) throws IOException {
    return startIn(Files.createTempDirectory("nexus-cp-test"), extraProperties);
  }

  /** A control plane on the state in {@code home} (another one's, to restart it). */
  static ControlPlaneHarness startIn(Path home, String... extraProperties) throws IOException {
    int port;
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    var properties = new java.util.LinkedHashMap<String, String>();
    properties.put("nexus.control-plane.port", Integer.toString(port));
    properties.put("nexus.control-plane.dev-issuer", "true");
    properties.put("nexus.control-plane.home", home.toString());
    properties.put("nexus.control-plane.shutdown-timeout", "1s");
    properties.put("nexus.xds.port", "0");
    properties.put("nexus.xds.host", "127.0.0.1");
    properties.put(
        "spring.datasource.url",
        "jdbc:h2:file:"
            + home.resolve("db")
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
    for (String property : extraProperties) {
      String[] kv = property.split("=", 2);
      properties.put(kv[0], kv[1]);
    }
    String[] args =
        properties.entrySet().stream()
            .map(e -> "--" + e.getKey() + "=" + e.getValue())
            .toArray(String[]::new);
    var app = new SpringApplicationBuilder(ControlPlaneApplication.class);
    return new ControlPlaneHarness(home, app.run(args));
  }

  /** A management token of {@code org} with {@code roles}. */
  String token(String subject, String org, String... roles) {
    return issuer.mint(TokenRequest.user(subject, org, Audiences.MANAGEMENT, roles));
  }

  /** {@code stub} sending {@code Authorization: Bearer <credential>}. */
  <S extends AbstractStub<S>> S as(S stub, String credential) {
    var headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
    return stub.withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(headers), EACH_CALL_WITHIN_20_SECONDS);
  }

  /**
   * A deadline per call, counted from the call: a stub kept across a long test (a deadline set on
   * the stub counts from its creation) would otherwise fail its later calls with DEADLINE_EXCEEDED
   * before they start.
   */
  private static final io.grpc.ClientInterceptor EACH_CALL_WITHIN_20_SECONDS =
      new io.grpc.ClientInterceptor() {
        @Override
        public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(
            io.grpc.MethodDescriptor<Q, R> method,
            io.grpc.CallOptions options,
            io.grpc.Channel next) {
          return next.newCall(
              method,
              options.getDeadline() == null
                  ? options.withDeadlineAfter(20, TimeUnit.SECONDS)
                  : options);
        }
      };

  /** The status code a call ends with: OK, or the code of the StatusRuntimeException it threw. */
  static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /**
   * Starts a gateway of {@code org} in {@code environment} trusting this control plane's issuer;
   * with {@code register} it registers and beats with a service-account token of {@code org}.
   */
  Gateway startGateway(
      RedisEndpoint redis, String org, String id, String environment, boolean register) {
    return startGateway(redis, org, id, environment, register, Map.of());
  }

  /**
   * {@link #startGateway} with more settings ({@code extra}, e.g. NEXUS_KAFKA_BOOTSTRAP); {@code
   * otel.*} ones are OpenTelemetry's, set as system properties while the gateway starts (it reads
   * them then) and cleared after.
   */
  Gateway startGateway(
      RedisEndpoint redis,
      String org,
      String id,
      String environment,
      boolean register,
      Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("NEXUS_GATEWAY_ID", id);
    env.put("NEXUS_GATEWAY_PORT", "0");
    env.put("NEXUS_GATEWAY_ENVIRONMENT", environment);
    env.put("NEXUS_REDIS_URL", redis.uri());
    env.put("NEXUS_OIDC_ISSUER", issuer.issuer().toString());
    env.put("NEXUS_CONTROL_PLANE_URL", baseUrl());
    if (register) {
      env.put("NEXUS_GATEWAY_TOKEN", gatewayToken(org, id));
    }
    env.put("NEXUS_GATEWAY_ADVERTISED_URL", "http://127.0.0.1:0");
    env.put("NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s");
    Map<String, String> otel = new HashMap<>();
    extra.forEach(
        (name, value) -> {
          if (name.startsWith("otel.")) {
            otel.put(name, value);
          }
        });
    otel.forEach(System::setProperty);
    try {
      return Gateway.start(GatewayConfig.fromEnvironment(env));
    } finally {
      otel.keySet().forEach(System::clearProperty);
    }
  }

  /** The service-account token a gateway of {@code org} registers and beats with. */
  String gatewayToken(String org, String id) {
    return issuer.mint(
        TokenRequest.service(
            "service-account-" + id, org, Audiences.MANAGEMENT, Duration.ofHours(1), "gateway"));
  }

  /** The credential the control plane itself calls gateways' admin service with. */
  String controlPlaneToken() {
    return context.getBean(GatewayCredentials.class).token();
  }

  /** Waits until the deployment is ACTIVE on every gateway of its rollout. */
  static void awaitActive(
      DeploymentServiceGrpc.DeploymentServiceBlockingStub deployments, String deploymentId) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                deployments
                    .getDeployment(GetDeploymentRequest.newBuilder().setId(deploymentId).build())
                    .getDeployment()
                    .getState(),
            state -> state == RolloutState.ROLLOUT_STATE_ACTIVE);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    context.close();
  }
}
