package io.nexusmesh.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.nexusmesh.runtime.telemetry.Telemetry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bodies that do not parse, sent the ways callers send them (REST, unframed JSON, binary gRPC,
 * gRPC-Web), and bearer headers that are empty or malformed: each is refused with a message that
 * names the field and the problem, a {@code BadRequest} field violation where there is a field, and
 * never INTERNAL or a parser's stack trace.
 *
 * <p>Start-up order: see {@link SampleServer}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedRequestsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private SampleServer sample;

  @BeforeAll
  void start() {
    sample = SampleServer.start(Telemetry.of(io.opentelemetry.api.OpenTelemetry.noop()));
  }

  @AfterAll
  void stop() throws InterruptedException {
    sample.close();
  }

  @ParameterizedTest(name = "{0} {1} -> {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          POST | /v1/workflows | {"id": "x", "colour": "red"} | workflow.colour | unknown field of nexus.controlplane.v1.Workflow
          POST | /v1/workflows | {"workflow": {"id": "x"}} | workflow.workflow | its fields are name, id, displayName
          POST | /v1/workflows | {"id": "x", "labels": 3} | workflow.labels | expected a JSON object (a map), got a number
          POST | /v1/workflows | {"id": "x", "labels": {"team": {"a": 1}}} | workflow.labels[team] | expected a string, got {"a":1}
          POST | /v1/workflows | {"id": "x", "latestVersion": "seven"} | workflow.latest_version | expected a whole number (int64; a JSON number or a numeric string), got "seven"
          POST | /v1/workflows | {"id": "x", "createTime": "yesterday"} | workflow.create_time | expected an RFC 3339 time such as "2026-12-01T09:00:00Z", got "yesterday"
          POST | /v1/workflows/hello/versions | {"spec": {"mode": "EXECUTION_MODE_NOPE"}} | spec.mode | expected one of nexus.workflow.v1.ExecutionMode's values (EXECUTION_MODE_DURABLE
          POST | /v1/workflows/hello/versions | {"spec": {"nodes": [{"id": "a", "retry": {"maxAttempts": "x"}}]}} | spec.nodes[0].retry.max_attempts | expected a whole number (uint32; a JSON number or a numeric string), got "x"
          POST | /v1/workflows/hello/versions | {"spec": {"nodes": {"id": "a"}}} | spec.nodes | expected a JSON array, got an object
          POST | /v1/workflows/hello/versions | {"spec": {"nodes": [{"id": "a", "transform": {"expresion": "1"}}]}} | spec.nodes[0].transform.expresion | unknown field of nexus.workflow.v1.TransformNode
          POST | /nexus.controlplane.v1.WorkflowService/CreateWorkflow | {"workflow": {"idd": "x"}} | workflow.idd | unknown field of nexus.controlplane.v1.Workflow
          POST | /nexus.controlplane.v1.WorkflowService/GetWorkflow | {"id": ["x"]} | id | expected a string, got ["x"]
          """)
  void aBodyThatDoesNotParseNamesTheFieldAndTheProblem(
      String method, String path, String body, String field, String problem) throws Exception {
    HttpResponse<String> response = send(method, path, body, "application/json");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(response.body());
    assertThat(error.get("grpc-code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.get("message").asText()).contains(field).contains(problem);
    JsonNode violation = badRequest(error).get("fieldViolations").get(0);
    assertThat(violation.get("field").asText()).isEqualTo(field);
    assertThat(violation.get("description").asText()).contains(problem);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("at com.");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          /v1/workflows | {"id": | Unexpected end-of-input
          /v1/workflows | {"id": "x",} | Unexpected character
          /nexus.controlplane.v1.WorkflowService/CreateWorkflow | {"workflow": {"id": tru}} | Unrecognized token 'tru'
          """)
  void jsonThatIsNotJsonSaysWhereItBreaks(String path, String body, String problem)
      throws Exception {
    HttpResponse<String> response = send("POST", path, body, "application/json");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(response.body());
    assertThat(error.get("message").asText())
        .contains("not valid JSON")
        .contains(problem)
        .contains("line 1, column");
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("at com.");
  }

  @Test
  void aBinaryMessageThatDoesNotParseIsInvalidArgumentWithADescription() {
    MethodDescriptor<byte[], byte[]> raw =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("nexus.controlplane.v1.WorkflowService/GetWorkflow")
            .setRequestMarshaller(new RawBytes())
            .setResponseMarshaller(new RawBytes())
            .build();
    var channel = sample.as(sample.token);
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    raw,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    garbage))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .startsWith("the request message could not be parsed: ");
            });
  }

  @Test
  void aGrpcWebFrameThatDoesNotParseIsInvalidArgument() throws Exception {
    byte[] payload = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
    ByteBuffer frame = ByteBuffer.allocate(5 + payload.length).put((byte) 0).putInt(payload.length);
    frame.put(payload);
    var response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(sample.base + "/nexus.controlplane.v1.WorkflowService/GetWorkflow"))
                .header("content-type", "application/grpc-web+proto")
                .header("x-grpc-web", "1")
                .header("authorization", "Bearer " + sample.token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(frame.array()))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    String everything =
        response.headers().map() + new String(response.body(), StandardCharsets.ISO_8859_1);
    assertThat(everything).contains("grpc-status=[3]").contains("could not be parsed");
  }

  private HttpResponse<String> send(String method, String path, String body, String contentType)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(sample.base + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", contentType)
            .header("authorization", "Bearer " + sample.token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode badRequest(JsonNode error) {
    for (JsonNode detail : error.get("details")) {
      if (detail.get("@type").asText().endsWith("google.rpc.BadRequest")) {
        return detail;
      }
    }
    throw new AssertionError("no BadRequest detail in " + error);
  }

  /** Sends and receives bytes as they are, to put a message on the wire that does not parse. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
