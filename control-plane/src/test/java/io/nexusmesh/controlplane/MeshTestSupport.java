package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.testing.RedisEndpoint;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;

/**
 * What the end-to-end tests of the mesh share: loopback servers to call, a type-aware dump of a
 * Redis, requests and the details of their errors, and deploying a workflow through the control
 * plane's public API.
 */
final class MeshTestSupport {
  private MeshTestSupport() {}

  static String rest(URI uri, String credential) throws Exception {
    var response =
        io.nexusmesh.testing.TestHttp.client()
            .send(
                HttpRequest.newBuilder(uri).header("authorization", "Bearer " + credential).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri + ": " + response.body()).isEqualTo(200);
    return response.body();
  }

  /** Every value of every key in the test Redis, read by type. */
  static String redisContents(RedisEndpoint endpoint) {
    Config config = new Config();
    config.useSingleServer().setAddress(endpoint.uri());
    var client = Redisson.create(config);
    try {
      List<Object> values =
          client
              .getScript(ByteArrayCodec.INSTANCE)
              .eval(
                  RScript.Mode.READ_ONLY,
                  """
                  local out = {}
                  for _, k in ipairs(redis.call('KEYS', '*')) do
                    local t = redis.call('TYPE', k).ok
                    table.insert(out, k)
                    if t == 'string' then table.insert(out, redis.call('GET', k))
                    elseif t == 'hash' then for _, v in ipairs(redis.call('HGETALL', k)) do table.insert(out, v) end
                    elseif t == 'list' then for _, v in ipairs(redis.call('LRANGE', k, 0, -1)) do table.insert(out, v) end
                    elseif t == 'set' then for _, v in ipairs(redis.call('SMEMBERS', k)) do table.insert(out, v) end
                    elseif t == 'zset' then for _, v in ipairs(redis.call('ZRANGE', k, 0, -1)) do table.insert(out, v) end
                    elseif t == 'stream' then
                      for _, e in ipairs(redis.call('XRANGE', k, '-', '+')) do
                        for _, v in ipairs(e[2]) do table.insert(out, v) end
                      end
                    end
                  end
                  return out""",
                  RScript.ReturnType.LIST);
      StringBuilder all = new StringBuilder();
      for (Object v : values) {
        all.append(new String((byte[]) v, StandardCharsets.ISO_8859_1)).append('\n');
      }
      assertThat(all.toString()).contains("nx:");
      return all.toString();
    } finally {
      client.shutdown();
    }
  }

  static ErrorInfo errorInfo(StatusRuntimeException e) throws Exception {
    for (var detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        return detail.unpack(ErrorInfo.class);
      }
    }
    throw new AssertionError("no ErrorInfo in " + e);
  }

  static List<String> violations(StatusRuntimeException e) throws Exception {
    for (var detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        return detail.unpack(BadRequest.class).getFieldViolationsList().stream()
            .map(BadRequest.FieldViolation::getField)
            .toList();
      }
    }
    throw new AssertionError("no BadRequest in " + e);
  }

  static String print(Message m) {
    try {
      var types =
          com.google.protobuf.TypeRegistry.newBuilder()
              .add(ErrorInfo.getDescriptor())
              .add(BadRequest.getDescriptor())
              .add(com.google.rpc.ResourceInfo.getDescriptor())
              .add(com.google.rpc.RetryInfo.getDescriptor())
              .build();
      return JsonFormat.printer().usingTypeRegistry(types).print(m) + m;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static com.google.protobuf.Struct struct(String json) throws Exception {
    var struct = com.google.protobuf.Struct.newBuilder();
    JsonFormat.parser().merge(json, struct);
    return struct.build();
  }

  static WorkflowSpec spec(String json) throws Exception {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser().merge(json, spec);
    return spec.build();
  }

  static void deploy(ControlPlaneHarness cp, String admin, String id, String specJson)
      throws Exception {
    var workflows = cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin);
    workflows.createWorkflow(
        CreateWorkflowRequest.newBuilder().setWorkflow(Workflow.newBuilder().setId(id)).build());
    workflows.createWorkflowVersion(
        CreateWorkflowVersionRequest.newBuilder()
            .setWorkflowId(id)
            .setSpec(spec(specJson))
            .build());
    var deployments = cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin);
    String deploymentId =
        deployments
            .createDeployment(
                CreateDeploymentRequest.newBuilder()
                    .setWorkflowId(id)
                    .setVersion(1)
                    .setEnvironment(Environment.ENVIRONMENT_DEV)
                    .build())
            .getDeployment()
            .getId();
    ControlPlaneHarness.awaitActive(deployments, deploymentId);
  }

  /** A loopback server that counts every request reaching it. */
  static Server closedServer(AtomicInteger closedHits) {
    Server server =
        Server.builder()
            .http(new java.net.InetSocketAddress("127.0.0.1", 0))
            .serviceUnder(
                "/",
                (ctx, req) -> {
                  closedHits.incrementAndGet();
                  return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{}");
                })
            .build();
    server.start().join();
    return server;
  }

  /**
   * A loopback server: {@code /echo} answers with the Authorization it got (kept in {@code
   * seenAuthorization}) and the body; {@code /away} redirects to {@code closedPort}.
   */
  static Server echoServer(int closedPort, List<String> seenAuthorization) {
    Server server =
        Server.builder()
            .http(new java.net.InetSocketAddress("127.0.0.1", 0))
            .service(
                "/echo",
                (ctx, req) ->
                    HttpResponse.of(
                        req.aggregate()
                            .thenApply(
                                agg -> {
                                  String auth = agg.headers().get("authorization", "");
                                  seenAuthorization.add(auth);
                                  String body =
                                      agg.contentUtf8().isEmpty() ? "null" : agg.contentUtf8();
                                  return HttpResponse.of(
                                      HttpStatus.OK,
                                      MediaType.JSON_UTF_8,
                                      "{\"authorization\": "
                                          + new com.google.gson.Gson().toJson(auth)
                                          + ", \"body\": "
                                          + body
                                          + "}");
                                })))
            .service(
                "/away",
                (ctx, req) ->
                    HttpResponse.of(
                        ResponseHeaders.of(
                            HttpStatus.FOUND,
                            "location",
                            "http://127.0.0.1:" + closedPort + "/stolen")))
            .build();
    server.start().join();
    return server;
  }
}
