package io.nexusmesh.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.SerializationFormat;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.Server;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Drives a sample service served by the shared recipe the way users do: grpc-java over HTTP/2,
 * REST/JSON with the JDK's HTTP client, gRPC-Web with Armeria's gRPC-Web client, reflection with
 * grpc-java's reflection stubs, health, metrics and tracing.
 *
 * <p>Start-up order: a token issuer server (JWKS + discovery), then the server under test, whose
 * verifier discovers the issuer's JWKS on first use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NexusServerTest {
  private static final String API_KEY = SampleServer.API_KEY;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final HttpClient http = HttpClient.newHttpClient();
  private SampleServer sample;
  private DevTokenIssuer issuer;
  private DevTokenIssuer strangerIssuer;
  private Server server;
  private String base;
  private ManagedChannel channel;
  private String token;

  @BeforeAll
  void start() {
    var tracerProvider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    var otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(tracerProvider)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    sample = SampleServer.start(Telemetry.of(otel));
    issuer = sample.issuer;
    strangerIssuer = sample.strangerIssuer;
    server = sample.server;
    base = sample.base;
    channel = sample.channel;
    token = sample.token;
    stub(token)
        .createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(Workflow.newBuilder().setId("hello").setDisplayName("Hello"))
                .build());
  }

  @AfterAll
  void stop() throws InterruptedException {
    sample.close();
  }

  private WorkflowServiceBlockingStub stub(String bearer) {
    return sample.workflows(bearer);
  }

  private static ErrorDetails failure(Runnable call) {
    return SampleServer.failure(call);
  }

  private HttpResponse<String> send(String method, String path, String body, String bearer)
      throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", "application/json");
    if (bearer != null) {
      request.header("authorization", "Bearer " + bearer);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Nested
  class GrpcJava {
    @Test
    void getsWhatWasCreated() {
      Workflow workflow =
          stub(token)
              .getWorkflow(GetWorkflowRequest.newBuilder().setId("hello").build())
              .getWorkflow();
      assertThat(workflow.getName()).isEqualTo("workflows/hello");
      assertThat(workflow.getDisplayName()).isEqualTo("Hello");
    }

    @Test
    void invalidRequestIsInvalidArgumentWithFieldViolations() {
      ErrorDetails error =
          failure(
              () ->
                  stub(token)
                      .getWorkflow(GetWorkflowRequest.newBuilder().setId("Not An Id!").build()));
      assertThat(error.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_ARGUMENT);
      assertThat(error.violations())
          .extracting(ErrorDetails.Violation::field)
          .containsExactly("id");
    }

    @Test
    void nestedViolationsNameTheirPath() {
      ErrorDetails error =
          failure(
              () ->
                  stub(token)
                      .createWorkflow(
                          CreateWorkflowRequest.newBuilder()
                              .setWorkflow(
                                  Workflow.newBuilder().setId("ok").putLabels("Bad Key", "v"))
                              .build()));
      assertThat(error.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(error.violations())
          .extracting(ErrorDetails.Violation::field)
          .containsExactly("workflow.labels[\"Bad Key\"]");
    }

    @Test
    void missingIsNotFound() {
      ErrorDetails error =
          failure(
              () -> stub(token).getWorkflow(GetWorkflowRequest.newBuilder().setId("nope").build()));
      assertThat(error.code()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_NOT_FOUND);
    }

    @Test
    void anotherOrgsResourceIsNotFound() {
      String bob = issuer.mint(TokenRequest.user("bob", "globex", Audiences.MANAGEMENT, "admin"));
      ErrorDetails error =
          failure(
              () -> stub(bob).getWorkflow(GetWorkflowRequest.newBuilder().setId("hello").build()));
      assertThat(error.code()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void duplicateIsAlreadyExists() {
      ErrorDetails error =
          failure(
              () ->
                  stub(token)
                      .createWorkflow(
                          CreateWorkflowRequest.newBuilder()
                              .setWorkflow(Workflow.newBuilder().setId("hello"))
                              .build()));
      assertThat(error.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
    }

    @Test
    void unexpectedFailureIsInternalWithoutInternals() {
      stub(token)
          .createWorkflow(
              CreateWorkflowRequest.newBuilder()
                  .setWorkflow(Workflow.newBuilder().setId("boom").setDescription("explode"))
                  .build());
      ErrorDetails error =
          failure(
              () -> stub(token).getWorkflow(GetWorkflowRequest.newBuilder().setId("boom").build()));
      assertThat(error.code()).isEqualTo(Status.Code.INTERNAL);
      assertThat(error.message())
          .startsWith("internal error (reference ")
          .doesNotContain("db.example");
    }

    @Test
    void serverStreamingWorks() {
      var headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      var events =
          AuditServiceGrpc.newBlockingStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .streamAuditEvents(StreamAuditEventsRequest.newBuilder().setAction("x").build());
      List<String> ids = new ArrayList<>();
      events.forEachRemaining(
          e -> ids.add(e.getAuditEvent().getId() + "@" + e.getAuditEvent().getOrg()));
      assertThat(ids).containsExactly("ev0@acme", "ev1@acme", "ev2@acme");
    }
  }

  @Nested
  class Rest {
    @Test
    void getReturnsTheBareResource() throws Exception {
      HttpResponse<String> response = send("GET", "/v1/workflows/hello", null, token);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body())
          .contains("\"name\":\"workflows/hello\"")
          .doesNotContain("\"workflow\"");
    }

    @Test
    void postCreates() throws Exception {
      HttpResponse<String> response =
          send(
              "POST",
              "/v1/workflows",
              "{\"id\":\"rest-made\",\"displayName\":\"Made by REST\"}",
              token);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("workflows/rest-made");
      assertThat(send("GET", "/v1/workflows/rest-made", null, token).body())
          .contains("Made by REST");
    }

    @Test
    void notFoundIs404Json() throws Exception {
      HttpResponse<String> response = send("GET", "/v1/workflows/missing", null, token);
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(response.headers().firstValue("content-type"))
          .hasValueSatisfying(v -> assertThat(v).contains("json"));
      assertThat(response.body()).contains("NOT_FOUND").contains("nexusmesh.io");
    }

    @Test
    void invalidIs400WithFieldViolations() throws Exception {
      HttpResponse<String> response = send("GET", "/v1/workflows/Not_Valid", null, token);
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.body()).contains("fieldViolations").contains("\"field\":\"id\"");
    }

    @Test
    void malformedJsonIs400WithoutStackTrace() throws Exception {
      HttpResponse<String> response = send("POST", "/v1/workflows", "{\"id\": ", token);
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.body())
          .contains("\"reason\":\"MALFORMED_REQUEST\"")
          .doesNotContain("at com.")
          .doesNotContain("at io.")
          .doesNotContain("Exception");
    }

    @Test
    void unknownRouteIs404Json() throws Exception {
      HttpResponse<String> response = send("GET", "/v1/nothing-here", null, token);
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(response.body()).contains("\"grpc-code\":\"NOT_FOUND\"");
    }

    @Test
    void unknownFieldIs400() throws Exception {
      HttpResponse<String> response =
          send("POST", "/v1/workflows", "{\"id\":\"x\",\"colour\":\"red\"}", token);
      assertThat(response.statusCode()).isEqualTo(400);
    }

    @Test
    void noCredentialIs401() throws Exception {
      assertThat(send("GET", "/v1/workflows/hello", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void healthAndDocsAndMetricsAreServed() throws Exception {
      assertThat(send("GET", NexusServer.HEALTH_PATH, null, null).statusCode()).isEqualTo(200);
      assertThat(send("GET", NexusServer.DOCS_PATH + "/specification.json", null, null).body())
          .contains("nexus.controlplane.v1.WorkflowService");
      send("GET", "/v1/workflows/hello", null, token);
      stub(token).getWorkflow(GetWorkflowRequest.newBuilder().setId("hello").build());
      failure(
          () ->
              WorkflowServiceGrpc.newBlockingStub(channel)
                  .getWorkflow(GetWorkflowRequest.newBuilder().setId("hello").build()));
      // Metrics are recorded when a request's log completes, just after its response is sent.
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(send("GET", NexusServer.METRICS_PATH, null, null).body())
                      .contains(
                          "nexus_requests_total{channel=\"rest\",method=\"nexus.controlplane.v1.WorkflowService/GetWorkflow\"")
                      .contains(
                          "nexus_requests_total{channel=\"grpc\",method=\"nexus.controlplane.v1.WorkflowService/GetWorkflow\"")
                      .contains("nexus_errors_total{channel=\"grpc\",type=\"UNAUTHENTICATED\"")
                      .contains("nexus_request_duration_seconds"));
    }
  }

  @Nested
  class GrpcWeb {
    static List<SerializationFormat> formats() {
      return List.of(
          GrpcSerializationFormats.PROTO_WEB,
          GrpcSerializationFormats.PROTO_WEB_TEXT,
          GrpcSerializationFormats.JSON_WEB);
    }

    private WorkflowServiceBlockingStub webStub(SerializationFormat format) {
      return GrpcClients.builder(base)
          .serializationFormat(format)
          .addHeader("authorization", "Bearer " + token)
          .build(WorkflowServiceBlockingStub.class);
    }

    @ParameterizedTest
    @MethodSource("formats")
    void callsAndErrorsWork(SerializationFormat format) {
      assertThat(
              webStub(format)
                  .getWorkflow(GetWorkflowRequest.newBuilder().setId("hello").build())
                  .getWorkflow()
                  .getDisplayName())
          .isEqualTo("Hello");
      ErrorDetails missing =
          failure(
              () ->
                  webStub(format)
                      .getWorkflow(GetWorkflowRequest.newBuilder().setId("nope").build()));
      assertThat(missing.reason()).isEqualTo(ErrorReason.ERROR_REASON_NOT_FOUND);
      ErrorDetails invalid =
          failure(
              () ->
                  webStub(format)
                      .getWorkflow(GetWorkflowRequest.newBuilder().setId("Nope!").build()));
      assertThat(invalid.violations())
          .extracting(ErrorDetails.Violation::field)
          .containsExactly("id");
    }

    @Test
    void browserPreflightIsAllowed() throws Exception {
      var preflight =
          HttpRequest.newBuilder(
                  URI.create(base + "/nexus.controlplane.v1.WorkflowService/GetWorkflow"))
              .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
              .header("origin", "http://localhost:5173")
              .header("access-control-request-method", "POST")
              .header("access-control-request-headers", "content-type,x-grpc-web,authorization")
              .build();
      HttpResponse<String> response = http.send(preflight, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("access-control-allow-origin")).isPresent();
      assertThat(response.headers().firstValue("access-control-allow-headers").orElse(""))
          .contains("x-grpc-web")
          .contains("authorization");
    }
  }

  @Nested
  class Tracing {
    @Test
    void incomingTraceContextIsContinued() throws Exception {
      String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      var request =
          HttpRequest.newBuilder(URI.create(base + "/v1/workflows/hello"))
              .header("authorization", "Bearer " + token)
              .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
              .build();
      assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(spans.getFinishedSpanItems())
                      .anySatisfy(
                          span -> {
                            assertThat(span.getTraceId()).isEqualTo(traceId);
                            assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
                          }));
    }
  }
}
