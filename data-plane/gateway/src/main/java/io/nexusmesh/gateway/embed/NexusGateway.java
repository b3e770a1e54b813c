package io.nexusmesh.gateway.embed;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.gateway.GatewayConfig;
import io.nexusmesh.gateway.panel.JavaTools;
import io.nexusmesh.runtime.auth.ApiKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A gateway inside a Java program, without a control plane: one registration, every channel. Its
 * Java tools are MCP tools ({@code java.<name>}) and {@code tool} nodes of workflows ({@code panel:
 * java}); its workflows run durably on its Redis and answer over gRPC, REST, gRPC-Web, SSE and MCP,
 * to callers with its API key. Instances share nothing but what they are given (several may run in
 * one JVM, each with its own port, tools and key; gateways of one organisation on one Redis form a
 * fleet).
 *
 * <pre>{@code
 * try (NexusGateway gateway =
 *     NexusGateway.builder()
 *         .redis("redis://127.0.0.1:6379")
 *         .tool("greet", "Greets someone.", "{\"type\": \"object\"}",
 *             args -> Value.newBuilder().setStringValue("Hello, " + ...).build())
 *         .workflow("hello", "{\"nodes\": [{\"id\": \"g\", \"tool\": {\"panel\": \"java\", ...}}]}")
 *         .build()
 *         .start()) {
 *   System.out.println("MCP at http://127.0.0.1:" + gateway.port() + "/mcp, key " + gateway.apiKey());
 * }
 * }</pre>
 */
public final class NexusGateway implements AutoCloseable {
  private final Builder settings;
  private final ApiKeys.NewKey key;
  private @Nullable Gateway gateway;
  private @Nullable JavaTools tools;

  private NexusGateway(Builder settings) {
    this.settings = settings;
    this.key = settings.key != null ? settings.key : ApiKeys.generate();
  }

  /** A builder: set at least {@link Builder#redis}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts serving: the port opens, the workflows are deployed, the tools registered. */
  public synchronized NexusGateway start() {
    if (gateway != null) {
      throw new IllegalStateException("already started");
    }
    Map<String, String> env = new HashMap<>(settings.env);
    env.put("NEXUS_GATEWAY_PORT", Integer.toString(settings.port));
    env.put("NEXUS_REDIS_URL", requireNonNull(settings.redis, "redis: set one"));
    env.put("NEXUS_CONTROL_PLANE_URL", "");
    env.putIfAbsent("NEXUS_GATEWAY_ID", "embedded-" + UUID.randomUUID().toString().substring(0, 8));
    tools = JavaTools.of(settings.org, settings.tools);
    gateway = Gateway.start(GatewayConfig.fromEnvironment(env), tools);
    long generation = System.currentTimeMillis();
    for (var workflow : settings.workflows.entrySet()) {
      gateway
          .deployments()
          .apply(
              ApplyDeploymentRequest.newBuilder()
                  .setGeneration(++generation)
                  .setDeployment(
                      DeployedWorkflow.newBuilder()
                          .setDeploymentId("embedded-" + workflow.getKey())
                          .setOrg(settings.org)
                          .setWorkflowId(workflow.getKey())
                          .setVersion(1)
                          .setSpec(workflow.getValue()))
                  .setKeySet(keySet(++generation))
                  .build());
    }
    if (settings.workflows.isEmpty()) {
      gateway.deployments().applyKeySet(keySet(++generation));
    }
    return this;
  }

  private KeySet keySet(long generation) {
    return KeySet.newBuilder()
        .setOrg(settings.org)
        .setGeneration(generation)
        .addApiKeys(ApiKeyHash.newBuilder().setKeyId(key.id()).setSha256(key.sha256()))
        .addAllEgressAllow(settings.egressAllow)
        .build();
  }

  /** The port it serves every channel on. */
  public int port() {
    return running().port();
  }

  /** The API key callers present ({@code Authorization: Bearer <key>}). */
  public String apiKey() {
    return key.secret();
  }

  /** The organisation its workflows and tools belong to. */
  public String org() {
    return settings.org;
  }

  /** The gateway itself (its engine, its deployments). */
  public Gateway gateway() {
    return running();
  }

  private Gateway running() {
    Gateway g = gateway;
    if (g == null) {
      throw new IllegalStateException("not started");
    }
    return g;
  }

  /** Stops: in-flight calls get the graceful shutdown's time, durable runs are handed back. */
  @Override
  public synchronized void close() {
    if (gateway != null) {
      gateway.close();
      gateway = null;
    }
    if (tools != null) {
      tools.close();
      tools = null;
    }
  }

  /** What an embedded gateway serves and where it keeps its state. */
  public static final class Builder {
    private @Nullable String redis;
    private int port;
    private String org = "local";
    private ApiKeys.@Nullable NewKey key;
    private final List<JavaTools.JavaTool> tools = new ArrayList<>();
    private final Map<String, WorkflowSpec> workflows = new LinkedHashMap<>();
    private final List<String> egressAllow = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>();

    private Builder() {}

    /** The Redis holding journals, sessions and rate limits ({@code redis://host:port}). */
    public Builder redis(String url) {
      this.redis = requireNonNull(url, "url");
      return this;
    }

    /** The port to serve on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The organisation its workflows and tools belong to ({@code local} by default). */
    public Builder org(String org) {
      this.org = requireNonNull(org, "org");
      return this;
    }

    /** The API key callers present (by default one is generated: {@link #apiKey()}). */
    public Builder apiKey(ApiKeys.NewKey key) {
      this.key = requireNonNull(key, "key");
      return this;
    }

    /**
     * A tool written in Java: {@code inputSchemaJson} (JSON Schema of its arguments) is checked by
     * MCP clients and shown to models; {@code handler} gets the arguments and returns the result;
     * an exception it throws becomes the call's error (FAILED_PRECONDITION).
     */
    public Builder tool(
        String name, String description, String inputSchemaJson, Function<Struct, Value> handler) {
      tools.add(new JavaTools.JavaTool(name, description, json(inputSchemaJson), handler));
      return this;
    }

    /** A workflow, given as the protobuf JSON of a {@link WorkflowSpec}. */
    public Builder workflow(String id, String specJson) {
      WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
      try {
        JsonFormat.parser().merge(specJson, spec);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalArgumentException("workflow " + id + ": " + e.getMessage(), e);
      }
      return workflow(id, spec.build());
    }

    /** A workflow. */
    public Builder workflow(String id, WorkflowSpec spec) {
      workflows.put(requireNonNull(id, "id"), requireNonNull(spec, "spec"));
      return this;
    }

    /** Lets its workflows call {@code host:port} (beyond the default egress policy). */
    public Builder allowEgress(String destination) {
      egressAllow.add(requireNonNull(destination, "destination"));
      return this;
    }

    /**
     * Any other gateway setting, as its environment variable ({@code NEXUS_PAYLOAD_STORE}, ...).
     */
    public Builder setting(String name, String value) {
      env.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
      return this;
    }

    public NexusGateway build() {
      return new NexusGateway(this);
    }

    private static Struct json(String json) {
      Struct.Builder struct = Struct.newBuilder();
      try {
        JsonFormat.parser().merge(json, struct);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalArgumentException("input schema: " + e.getMessage(), e);
      }
      return struct.build();
    }
  }
}
