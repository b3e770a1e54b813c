package io.nexusmesh.launcher;

import io.nexusmesh.cli.EnvFile;
import io.nexusmesh.cli.PrivateFiles;
import io.nexusmesh.client.NexusClient;
import io.nexusmesh.controlplane.ControlPlaneApplication;
import io.nexusmesh.controlplane.console.ConsoleFiles;
import io.nexusmesh.controlplane.console.DevAuthorizationServer;
import io.nexusmesh.controlplane.panel.k8s.PanelManager;
import io.nexusmesh.controlplane.panel.k8s.PanelManagerProperties;
import io.nexusmesh.controlplane.store.EgressPolicyStore;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.gateway.GatewayConfig;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.telemetry.Telemetry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole stack in this JVM: Redis and Kafka (real servers, embedded), the control plane with its
 * H2 file store and dev issuer, and one gateway registered with it; then org {@code demo} seeded
 * through the public API and {@code $NEXUS_HOME/dev/env} written once everything answers. Closing
 * stops it all in reverse order.
 */
final class DevStack implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevStack.class);
  private static final String GATEWAY_ID = "gw-dev";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final DevSettings settings;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private volatile @Nullable ConfigurableApplicationContext controlPlane;
  private volatile @Nullable CompletableFuture<DevLlm> agents;

  private DevStack(DevSettings settings) {
    this.settings = settings;
  }

  /** Starts everything, or stops what started and throws a one-line explanation. */
  // Set once this stack pointed the OTEL_* system properties at its own receiver.
  private boolean tracesKeptHere;

  static DevStack start(DevSettings settings) {
    DevStack stack = new DevStack(settings);
    try {
      stack.startAll();
      return stack;
    } catch (RuntimeException | IOException e) {
      stack.close();
      if (e instanceof DevStackException d) {
        throw d;
      }
      throw new DevStackException("the dev stack did not start: " + rootMessage(e), e);
    }
  }

  private void startAll() throws IOException {
    Files.createDirectories(settings.devDir());
    lock();
    // The file says "the stack answers": gone until this start has seeded and checked it.
    Optional<String> previousKey = previousApiKey();
    Files.deleteIfExists(settings.envFile());
    Ports.requireFree(settings.controlPlanePort(), "control plane", "NEXUS_CONTROL_PLANE_PORT");
    Ports.requireFree(settings.gatewayPort(), "gateway", "NEXUS_GATEWAY_PORT");
    Ports.requireFree(settings.kafkaPort(), "kafka", "NEXUS_DEV_KAFKA_PORT");
    Ports.requireFree(settings.xdsPort(), "xDS server", "NEXUS_XDS_PORT");
    Ports.requireFree(settings.kafkaPort() + 1, "kafka controller", "NEXUS_DEV_KAFKA_PORT");
    if (keepsTraces()) {
      Ports.requireFree(settings.otlpPort(), "trace receiver", "NEXUS_DEV_OTLP_PORT");
      // Every part of the stack runs in this JVM and reads its OTEL_* settings from here: all of
      // them export to the control plane's receiver, which the console shows.
      Telemetry.exportingTo(settings.otlpEndpoint()).forEach(System::setProperty);
      tracesKeptHere = true;
    }

    EmbeddedRedis redis = component("redis", () -> EmbeddedRedis.start(settings));
    started.push(redis);
    // The dev issuer's key first: the gateway's token is signed with it before the control plane
    // is up, so Kafka, the gateway and the control plane can all start at once.
    DevTokens tokens = DevTokens.ensure(settings);
    CompletableFuture<EmbeddedKafka> kafka =
        CompletableFuture.supplyAsync(
            () -> component("kafka", () -> EmbeddedKafka.start(settings)));
    CompletableFuture<Gateway> gateway =
        CompletableFuture.supplyAsync(
            () ->
                component(
                    "gateway",
                    () -> Gateway.start(GatewayConfig.fromEnvironment(gatewayEnv(redis, tokens)))));
    try {
      started.push(component("control plane", this::startControlPlane));
      Gateway serving = join(gateway);
      started.push(serving);
      gateway = null;
      serving.registerNow(); // the control plane is up: no need to wait for the next retry
      started.push(join(kafka));
      kafka = null;
      seed(tokens, previousKey, serving);
      // Started once the rest answers, not waited for: it would compete for the CPU with the
      // parts the stack's readiness waits for, and a turn asked for meanwhile waits in Kafka.
      agents =
          CompletableFuture.supplyAsync(
              () -> {
                DevLlm llm = DevLlm.start(settings, System.getenv());
                llm.reportWhenRunning(READY_TIMEOUT.multipliedBy(2));
                return llm;
              });
      agents.whenComplete(
          (llm, failure) -> {
            if (failure != null) {
              log.error("the LLM manager did not start: {}", rootMessage(failure));
            }
          });
    } finally {
      // Started but not yet handed over: stop them with the rest.
      if (gateway != null) {
        gateway.thenAccept(Gateway::close);
      }
      if (kafka != null) {
        kafka.thenAccept(EmbeddedKafka::close);
      }
    }
  }

  /** A part of the stack that can fail to start. */
  @FunctionalInterface
  private interface Part<T> {
    T start() throws Exception;
  }

  /** Starts {@code part}, naming it in one line when it fails. */
  private static <T> T component(String name, Part<T> part) {
    try {
      return part.start();
    } catch (DevStackException e) {
      throw e;
    } catch (Exception e) {
      throw new DevStackException(name + " did not start: " + rootMessage(e), e);
    }
  }

  private static <T> T join(CompletableFuture<T> part) {
    try {
      return part.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /** Only one dev stack per {@code $NEXUS_HOME}: they would share one database and Redis. */
  private void lock() throws IOException {
    FileChannel channel =
        FileChannel.open(
            settings.devDir().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock = channel.tryLock();
    if (lock == null) {
      channel.close();
      throw new DevStackException(
          "another `nexus dev` is running with NEXUS_HOME=" + settings.home() + ": stop it first");
    }
    started.push(channel);
  }

  private AutoCloseable startControlPlane() {
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(ControlPlaneApplication.class)
            .bannerMode(Banner.Mode.OFF)
            .logStartupInfo(false)
            .run(
                "--nexus.control-plane.port=" + settings.controlPlanePort(),
                "--nexus.control-plane.home=" + settings.controlPlaneHome(),
                "--nexus.control-plane.dev-issuer=true",
                "--nexus.xds.host=127.0.0.1",
                "--nexus.xds.port=" + settings.xdsPort(),
                "--nexus.control-plane.shutdown-timeout=2s",
                "--nexus.control-plane.console.gateway-url=" + settings.gatewayUrl(),
                "--spring.datasource.url=jdbc:h2:file:"
                    + settings.controlPlaneHome().resolve("nexus").toAbsolutePath()
                    + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                "--spring.datasource.username=nexus",
                "--spring.datasource.password=",
                "--logging.config=classpath:nexus-dev-logback.xml",
                "--nexus.control-plane.traces.receiver-port="
                    + (keepsTraces() ? settings.otlpPort() : -1));
    controlPlane = context;
    return context::close;
  }

  /**
   * Whether the stack keeps its own traces: unless OTEL_TRACES_EXPORTER (or otel.traces.exporter)
   * already says where they go, e.g. to a Jaeger of your own.
   */
  private boolean keepsTraces() {
    return tracesKeptHere || !Telemetry.tracesExporterConfigured();
  }

  /** Where traces go, for the start-up summary. */
  String tracesSummary() {
    return keepsTraces()
        ? settings.otlpEndpoint() + "   OTLP receiver; the console shows the latest traces"
        : "exported as OTEL_* says (" + System.getenv("OTEL_EXPORTER_OTLP_ENDPOINT") + ")";
  }

  /** Where panels run, for the start-up summary. */
  String panelsSummary() {
    var context = controlPlane;
    if (context != null && context.getBeanProvider(PanelManager.class).getIfAvailable() != null) {
      var properties = context.getBean(PanelManagerProperties.class);
      var client = context.getBean(io.fabric8.kubernetes.client.KubernetesClient.class);
      return "on Kubernetes at "
          + client.getMasterUrl()
          + " (namespace "
          + properties.namespace()
          + "): ./nexus panel create NAME --image IMAGE";
    }
    return "on this machine under gVisor: ./nexus panel run"
        + " (NEXUS_PANELS_KUBERNETES_ENABLED=true runs them on a cluster)";
  }

  /** What answers sessions' agents, for the start-up summary. */
  String llmSummary() {
    return DevLlm.describe(System.getenv());
  }

  /**
   * The console's URL with a one-time code signing a browser in as the {@code demo} admin, the way
   * Jupyter prints its token URL.
   */
  String consoleSignInUrl() {
    var context = controlPlane;
    if (context == null) {
      throw new IllegalStateException("the control plane is not running");
    }
    String code =
        context
            .getBean(DevAuthorizationServer.class)
            .signInLink("dev-user", DevSettings.ORG, "admin");
    return settings.controlPlaneUrl() + ConsoleFiles.PATH + "?sign_in=" + code;
  }

  /** The destinations the dev org allows beyond the default egress policy. */
  List<String> egressAllowed() {
    var context = controlPlane;
    return context == null
        ? List.of()
        : context.getBean(EgressPolicyStore.class).destinations(DevSettings.ORG);
  }

  private Map<String, String> gatewayEnv(EmbeddedRedis redis, DevTokens tokens) {
    Map<String, String> env = new HashMap<>();
    env.put("NEXUS_GATEWAY_PORT", Integer.toString(settings.gatewayPort()));
    env.put("NEXUS_GATEWAY_ID", GATEWAY_ID);
    env.put("NEXUS_GATEWAY_ENVIRONMENT", "dev");
    env.put("NEXUS_REDIS_URL", redis.url(settings));
    env.put("NEXUS_OIDC_ISSUER", settings.issuerUrl());
    env.put("NEXUS_CONTROL_PLANE_URL", settings.controlPlaneUrl());
    env.put("NEXUS_GATEWAY_TOKEN", tokens.gateway(DevSettings.ORG));
    // Sidecars through xds:///panel.NAME, panels' UIs from the same snapshot.
    env.put("NEXUS_XDS_SERVER", settings.xdsServer());
    env.put("NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "2s");
    // Kafka is part of the mesh too: no workflow may call it. Sessions' agents run on it.
    env.put("NEXUS_EGRESS_MESH_ENDPOINTS", "127.0.0.1:" + settings.kafkaPort());
    env.put("NEXUS_KAFKA_BOOTSTRAP", "127.0.0.1:" + settings.kafkaPort());
    // Payloads too large for Redis: files beside the rest of the dev stack's state.
    env.put("NEXUS_PAYLOAD_STORE", settings.home().resolve("dev").resolve("payloads").toString());
    return env;
  }

  private void seed(DevTokens tokens, Optional<String> previousKey, Gateway gateway)
      throws IOException {
    String adminToken = tokens.user("dev-admin", DevSettings.ORG, Audiences.MANAGEMENT, "admin");
    String apiKey;
    try (NexusClient admin =
        NexusClient.builder()
            .controlPlane(settings.controlPlaneUrl())
            .gateway(settings.gatewayUrl())
            .token(adminToken)
            .build()) {
      DevSeed.workflows(admin);
      apiKey = DevSeed.apiKey(admin, previousKey);
      try (NexusClient caller =
          NexusClient.builder()
              .gateway(settings.gatewayUrl())
              .apiKey(apiKey)
              .maxAttempts(1)
              .build()) {
        new DevReadiness(admin, caller, GATEWAY_ID, gateway)
            .await(DevSeed.workflowIds(), READY_TIMEOUT);
      }
    }
    writeEnvFile(adminToken, apiKey);
  }

  private Optional<String> previousApiKey() throws IOException {
    if (!Files.exists(settings.envFile())) {
      return Optional.empty();
    }
    return Optional.ofNullable(EnvFile.read(settings.envFile()).get("NEXUS_API_KEY"));
  }

  /** Written last and atomically: a reader never sees a file whose stack does not answer. */
  private void writeEnvFile(String token, String apiKey) throws IOException {
    String text =
        "# Written by `nexus dev` once the stack answered. Load it with: source "
            + settings.envFile()
            + "\n"
            + "export NEXUS_CONTROL_PLANE_URL="
            + settings.controlPlaneUrl()
            + "\n"
            + "export NEXUS_GATEWAY_URL="
            + settings.gatewayUrl()
            + "\n"
            + "export NEXUS_TOKEN="
            + token
            + "\n"
            + "export NEXUS_API_KEY="
            + apiKey
            + "\n";
    PrivateFiles.write(settings.envFile(), text);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  /** Stops everything that started, newest first (the LLM manager, started last, first). */
  @Override
  public void close() {
    var llm = agents;
    if (llm != null) {
      try {
        llm.handle((started, failure) -> started).join().close();
      } catch (RuntimeException e) {
        log.warn("could not stop the LLM manager cleanly", e);
      }
    }
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.warn("could not stop {} cleanly", part, e);
      }
    }
  }
}
