package io.nexusmesh.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who may call the shared recipe's services: every call but health needs a credential, checked
 * before validation; tokens of another audience, expired, forged or tampered with are refused; API
 * keys go through the verifier hook; an empty, malformed or non-Bearer header says which it is.
 *
 * <p>Start-up order: see {@link SampleServer}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_KEY = SampleServer.API_KEY;

  private final HttpClient http = HttpClient.newHttpClient();
  private SampleServer sample;

  @BeforeAll
  void start() {
    sample = SampleServer.start(Telemetry.of(OpenTelemetry.noop()));
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

  private final GetWorkflowRequest get = GetWorkflowRequest.newBuilder().setId("hello").build();

  @Test
  void noCredentialIsUnauthenticated() {
    var bare = WorkflowServiceGrpc.newBlockingStub(sample.channel);
    ErrorDetails error = failure(() -> bare.getWorkflow(get));
    assertThat(error.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_MISSING);
  }

  @Test
  void authenticationComesBeforeValidation() {
    var bare = WorkflowServiceGrpc.newBlockingStub(sample.channel);
    ErrorDetails error =
        failure(() -> bare.getWorkflow(GetWorkflowRequest.newBuilder().setId("Bad Id").build()));
    assertThat(error.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(error.violations()).isEmpty();
  }

  @Test
  void wrongAudienceIsRefused() {
    String gatewayToken =
        sample.issuer.mint(TokenRequest.user("alice", "acme", Audiences.GATEWAY, "admin"));
    ErrorDetails error = failure(() -> stub(gatewayToken).getWorkflow(get));
    assertThat(error.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_WRONG_AUDIENCE);
  }

  @Test
  void expiredTokenIsRefused() {
    String expired =
        sample.issuer.mint(
            new TokenRequest(
                "alice",
                "acme",
                List.of("admin"),
                List.of(Audiences.MANAGEMENT),
                Duration.ofMinutes(-5),
                Map.of()));
    ErrorDetails error = failure(() -> stub(expired).getWorkflow(get));
    assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID);
  }

  @Test
  void tokenSignedByAnotherKeyIsRefused() {
    String forged =
        sample.strangerIssuer.mint(
            TokenRequest.user("mallory", "acme", Audiences.MANAGEMENT, "admin"));
    ErrorDetails error = failure(() -> stub(forged).getWorkflow(get));
    assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID);
  }

  @Test
  void tamperedTokenIsRefused() {
    String[] parts = sample.token.split("\\.");
    String otherClaims =
        sample.issuer.mint(TokenRequest.user("alice", "globex", Audiences.MANAGEMENT, "admin"))
            .split("\\.")[1];
    String tampered = parts[0] + "." + otherClaims + "." + parts[2];
    ErrorDetails error = failure(() -> stub(tampered).getWorkflow(get));
    assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID);
  }

  @Test
  void apiKeyGoesThroughTheHook() {
    assertThat(
            stub(API_KEY)
                .createWorkflow(
                    CreateWorkflowRequest.newBuilder()
                        .setWorkflow(Workflow.newBuilder().setId("from-key"))
                        .build())
                .getWorkflow()
                .getName())
        .isEqualTo("workflows/from-key");
    ErrorDetails error = failure(() -> stub(ApiKeys.generate().secret()).getWorkflow(get));
    assertThat(error.reason()).isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID);
  }

  @Test
  void healthNeedsNoCredential() {
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(sample.channel).check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          'Bearer '              | empty bearer credential
          'Bearer'               | empty bearer credential
          'Basic dXNlcjpwYXNz'   | unsupported authorization scheme 'Basic' (expected: Bearer)
          'Bearer two words'     | malformed bearer credential: a token or API key has no spaces
          'Bearer not-a-token'   | malformed bearer credential: neither a JWT
          """)
  void anEmptyOrMalformedBearerSaysSo(String authorization, String message) throws Exception {
    var response =
        http.send(
            HttpRequest.newBuilder(URI.create(sample.base + "/v1/workflows/hello"))
                .header("authorization", authorization)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(response.body()).get("message").asText()).startsWith(message);
  }
}
