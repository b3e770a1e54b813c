package io.nexusmesh.gateway;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.gateway.agent.AgentBus;
import io.nexusmesh.gateway.agent.AgentTurns;
import io.nexusmesh.gateway.agent.LlmSteps;
import io.nexusmesh.gateway.agent.TokenBudget;
import io.nexusmesh.gateway.agent.TurnCredentials;
import io.nexusmesh.gateway.agent.TurnResults;
import io.nexusmesh.gateway.api.ExecutionGrpcService;
import io.nexusmesh.gateway.api.ExecutionSseService;
import io.nexusmesh.gateway.api.InputSchemas;
import io.nexusmesh.gateway.api.RateLimits;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.gateway.deploy.ControlPlaneLink;
import io.nexusmesh.gateway.deploy.DeploymentRegistry;
import io.nexusmesh.gateway.deploy.GatewayAdminGrpcService;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.gateway.egress.EgressGuard;
import io.nexusmesh.gateway.egress.HostResolver;
import io.nexusmesh.gateway.egress.MeshEndpointSet;
import io.nexusmesh.gateway.engine.AgentSteps;
import io.nexusmesh.gateway.engine.Bulkheads;
import io.nexusmesh.gateway.engine.Expressions;
import io.nexusmesh.gateway.engine.HttpCaller;
import io.nexusmesh.gateway.mcp.McpService;
import io.nexusmesh.gateway.mcp.ToolCatalog;
import io.nexusmesh.gateway.panel.PanelTools;
import io.nexusmesh.gateway.session.SessionEvents;
import io.nexusmesh.gateway.session.SessionGrpcService;
import io.nexusmesh.gateway.session.SessionSseService;
import io.nexusmesh.gateway.session.SessionWebSocketService;
import io.nexusmesh.gateway.session.Sessions;
import io.nexusmesh.gateway.usage.ChannelMetrics;
import io.nexusmesh.gateway.usage.UsageMeter;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.BearerAuthenticator;
import io.nexusmesh.runtime.auth.JwtVerifier;
import io.nexusmesh.runtime.secrets.SecretSealing;
import io.nexusmesh.runtime.server.NexusServer;
import io.nexusmesh.runtime.server.NexusServerOptions;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.semantic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the composition root of the data plane. It connects to Redis, loads its
 * deployments, starts the durable engine (leases, recovery), serves the execution API and the admin
 * service on one port with the shared server recipe, and registers with the control plane. No
 * Spring: it starts in well under a second and tests start several in one JVM.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final RedissonClient redis;
  private final Executions executions;
  private final Server server;
  private final @Nullable ControlPlaneLink link;
  private final DeploymentRegistry registry;
  private final PanelTools panelTools;
  private final @Nullable AgentBus agentBus;

  private final Telemetry telemetry;

  private Gateway(
      RedissonClient redis,
      Executions executions,
      Server server,
      @Nullable ControlPlaneLink link,
      DeploymentRegistry registry,
      PanelTools panelTools,
      @Nullable AgentBus agentBus,
      Telemetry telemetry) {
    this.telemetry = telemetry;
    this.agentBus = agentBus;
    this.panelTools = panelTools;
    this.redis = redis;
    this.executions = executions;
    this.server = server;
    this.link = link;
    this.registry = registry;
  }

  /** Starts a gateway with {@code config}. */
  public static Gateway start(GatewayConfig config) {
    return start(config, null);
  }

  /**
   * Starts a gateway with {@code config} serving {@code javaTools} (null: none) as the {@code java}
   * panel of their organisation.
   */
  public static Gateway start(
      GatewayConfig config, io.nexusmesh.gateway.panel.@Nullable JavaTools javaTools) {
    requireNonNull(config, "config");
    Config redisConfig = new Config();
    redisConfig.useSingleServer().setAddress(config.redisUrl()).setConnectionMinimumIdleSize(4);
    RedissonClient redis = Redisson.create(redisConfig);
    AgentBus agentBus = null;
    try {
      Clock clock = Clock.systemUTC();
      Telemetry telemetry = Telemetry.fromEnvironment("nexus-gateway");
      // Made per run and kept in memory only: the control plane seals the orgs' secrets to it.
      var recipient = SecretSealing.Recipient.generate();
      var mesh = new MeshEndpointSet().addUrl(config.redisUrl()).addUrl(config.advertisedUrl());
      if (config.port() != 0) {
        mesh.addLocalPort(config.port());
      }
      if (config.controlPlaneUrl() != null) {
        mesh.addUrl(config.controlPlaneUrl());
      }
      config.meshEndpoints().forEach(e -> mesh.addUrl("http://" + e));
      var registry = new DeploymentRegistry(redis, config.gatewayId(), recipient, mesh);
      if (javaTools != null) {
        registry.javaTools(javaTools);
      }
      registry.load();
      var expressions = new Expressions();
      var usage = new UsageMeter(clock, telemetry.meterRegistry());
      var sessionEvents = new SessionEvents(redis, clock);
      // Every execution that ends on this gateway (resumed ones too) is metered and, when it
      // belongs to a session, announced to the session's subscribers.
      Executions.Listener ended =
          new Executions.Listener() {
            @Override
            public void ended(String org, Execution execution, long nodeRuns, Duration took) {
              usage.ended(org, execution, nodeRuns, took);
              sessionEvents.completed(execution);
            }

            @Override
            public void stepCompleted(String org, Execution execution, String path) {
              sessionEvents.progress(execution, path);
            }
          };
      var panelRouting =
          new io.nexusmesh.gateway.panel.PanelRouting(
              config.xdsServer(),
              config.gatewayId(),
              config.controlPlaneToken(),
              telemetry.openTelemetry());
      var panelTools =
          new PanelTools(
              registry,
              javaTools == null
                  ? panelRouting.sidecars()
                  : javaTools.around(panelRouting.sidecars()));
      // Sessions' agents and llm nodes: turns on the semantic bus, when there is one.
      var turnCredentials = new TurnCredentials(redis, clock);
      var budget = new TokenBudget(redis, clock, config.llmTokensPerHour());
      var advertisedUrl = new AtomicReference<>(config.advertisedUrl());
      var catalog = new ToolCatalog(registry);
      var turnResults = new TurnResults(redis);
      AgentBus bus =
          config.kafkaBootstrap() == null
              ? null
              : new AgentBus(
                      config.kafkaBootstrap(),
                      Topics.DEFAULT,
                      sessionEvents,
                      budget,
                      turnResults,
                      usage,
                      () -> registry.keyGenerations().keySet())
                  .start();
      agentBus = bus;
      AgentSteps llmNodes =
          bus == null
              ? AgentSteps.NONE
              : new LlmSteps(
                  bus,
                  turnResults,
                  turnCredentials,
                  catalog,
                  new InputSchemas(),
                  advertisedUrl::get,
                  config.gatewayId());
      var bulkheads = new Bulkheads(config.bulkheads(), telemetry.meterRegistry());
      var executions =
          new Executions(
              redis,
              expressions,
              new HttpCaller(
                  ClientFactory.ofDefault(),
                  expressions,
                  new EgressGuard(registry::egressPolicy, HostResolver.SYSTEM),
                  registry,
                  bulkheads,
                  telemetry.openTelemetry()),
              panelTools,
              llmNodes,
              registry,
              clock,
              ended,
              new io.nexusmesh.gateway.durable.EngineOptions(
                  config.gatewayId() + "/" + UUID.randomUUID(),
                  config.leaseTtl(),
                  config.retention(),
                  config.parkAfter(),
                  bulkheads,
                  config.payloads().payloads()));
      executions.bindMetrics(telemetry.meterRegistry());
      executions.bindTracing(telemetry.openTelemetry());
      executions.start();
      Authenticator authenticator =
          new BearerAuthenticator(
              new JwtVerifier(JwtVerifier.Options.of(config.oidcIssuer(), Audiences.GATEWAY)),
              registry,
              null,
              turnCredentials);
      AtomicReference<@Nullable ControlPlaneLink> linkRef = new AtomicReference<>();
      var options =
          NexusServerOptions.defaults("nexus-gateway", config.port())
              .withGracefulShutdown(
                  Duration.ofMillis(Math.min(2000, config.shutdownTimeout().toMillis() / 2)),
                  config.shutdownTimeout())
              .withDependencies(GatewayDependencies.of(config, redis, bus, linkRef));
      var channelMetrics = new ChannelMetrics(telemetry.meterRegistry(), clock);
      var sessions = new Sessions(redis, clock, channelMetrics);
      var starter =
          new WorkflowStarter(
              registry,
              executions,
              new InputSchemas(),
              new RateLimits(
                  redis, new RateLimits.Limits(config.rateLimitPerKey(), config.rateLimitPerOrg())),
              sessions,
              sessionEvents,
              channelMetrics);
      var turns =
          new AgentTurns(
              bus, turnCredentials, budget, catalog, advertisedUrl::get, config.gatewayId());
      ServerBuilder sb = Server.builder();
      NexusServer.configure(
          sb,
          options,
          List.of(
              new ExecutionGrpcService(starter, executions, config.maxExecuteWait()),
              new SessionGrpcService(sessions, sessionEvents, turns),
              new GatewayAdminGrpcService(registry)),
          authenticator,
          telemetry);
      sb.service(
          ExecutionSseService.PATH, new ExecutionSseService(executions, authenticator).service());
      var mcp =
          new McpService(
              authenticator,
              sessions,
              sessionEvents,
              registry,
              starter,
              executions,
              config.maxExecuteWait(),
              config.oidcIssuer().toString(),
              buildVersion(),
              config.mcpAllowedOrigins(),
              channelMetrics,
              telemetry.openTelemetry());
      sb.service(McpService.PATH, mcp.service());
      sb.service(
          SessionSseService.PATH,
          new SessionSseService(sessions, sessionEvents, authenticator).service());
      sb.service(
          SessionWebSocketService.PATH,
          new SessionWebSocketService(sessions, sessionEvents, authenticator).service());
      sb.service(McpService.METADATA_PATH, mcp.metadata());
      sb.serviceUnder(
          io.nexusmesh.gateway.panel.PanelTrafficService.PATH,
          panelRouting.traffic(authenticator, registry).service());
      sb.serverListener(
          new com.linecorp.armeria.server.ServerListenerAdapter() {
            @Override
            public void serverStopped(Server stopped) {
              panelRouting.close();
            }
          });
      Server server = sb.build();
      server.start().join();
      mesh.addLocalPort(server.activeLocalPort());
      String advertised =
          config.port() == 0
              ? config.advertisedUrl().replaceFirst(":0$", ":" + server.activeLocalPort())
              : config.advertisedUrl();
      advertisedUrl.set(advertised);
      ControlPlaneLink link = null;
      if (GatewayDependencies.registers(config)) {
        link =
            new ControlPlaneLink(
                new ControlPlaneLink.Options(
                    config.controlPlaneUrl(),
                    config.controlPlaneToken(),
                    config.gatewayId(),
                    config.environment(),
                    advertised,
                    buildVersion(),
                    ByteString.copyFrom(recipient.publicKey())),
                registry,
                usage);
        linkRef.set(link);
        link.start();
      } else {
        log.info(
            "not registering with a control plane (set NEXUS_CONTROL_PLANE_URL and NEXUS_GATEWAY_TOKEN)");
      }
      log.info(
          "gateway {} serving on port {} ({} deployments)",
          config.gatewayId(),
          server.activeLocalPort(),
          registry.deployments("").size());
      return new Gateway(redis, executions, server, link, registry, panelTools, bus, telemetry);
    } catch (RuntimeException e) {
      if (agentBus != null) {
        agentBus.close();
      }
      redis.shutdown();
      throw e;
    }
  }

  /** The durable engine of this gateway (its executions, their store). */
  public Executions executions() {
    return executions;
  }

  /** The port the gateway serves on. */
  public int port() {
    return server.activeLocalPort();
  }

  /** What it serves. */
  public DeploymentRegistry deployments() {
    return registry;
  }

  /** Whether it fans its sessions' agent chains out (false without a semantic bus). */
  public boolean fanningOutAgents() {
    return agentBus != null && agentBus.fanningOut();
  }

  /** Whether it is registered with its control plane (false when it runs without one). */
  public boolean registered() {
    return link != null && link.registered();
  }

  /** Registers with the control plane now rather than at the next retry (see ControlPlaneLink). */
  public void registerNow() {
    if (link != null) {
      link.registerNow();
    }
  }

  /** Why the control plane refused this gateway for good, if it did (see ControlPlaneLink). */
  public java.util.Optional<String> registrationRefusal() {
    return link == null ? java.util.Optional.empty() : link.refusal();
  }

  private static String buildVersion() {
    String version = Gateway.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  /**
   * Stops gracefully: stops accepting calls, lets in-flight ones finish, hands running durable
   * executions back (their leases are released, so a peer resumes them at once), then disconnects.
   */
  @Override
  public void close() {
    if (link != null) {
      link.close();
    }
    server.stop().join();
    executions.close();
    panelTools.close();
    if (agentBus != null) {
      agentBus.close();
    }
    redis.shutdown();
    telemetry.close(); // the last spans go out
  }
}
