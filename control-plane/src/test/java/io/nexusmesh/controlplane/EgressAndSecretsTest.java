package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.server.Server;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.DeleteSecretRequest;
import io.nexusmesh.api.controlplane.v1.EgressPolicyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.EgressRule;
import io.nexusmesh.api.controlplane.v1.GetEgressPolicyRequest;
import io.nexusmesh.api.controlplane.v1.GetSecretRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.ListSecretsRequest;
import io.nexusmesh.api.controlplane.v1.SecretServiceGrpc;
import io.nexusmesh.api.controlplane.v1.SetSecretRequest;
import io.nexusmesh.api.controlplane.v1.UpdateEgressPolicyRequest;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.GetGatewayStateRequest;
import io.nexusmesh.api.gateway.v1.ListExecutionsRequest;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Egress and secrets through the whole mesh, as an org's admin, developer and viewer meet them: a
 * real control plane (H2), a real gateway (Redis) registered with it, and two loopback servers the
 * workflows call: {@code echo}, which answers with what it was sent, and {@code closed}, which no
 * policy in this test opens and which counts what reaches it. Nothing leaves this machine.
 */
@ExtendWith(RedisExtension.class)
class EgressAndSecretsTest {
  private static final String PROBE =
      """
      {"nodes": [{"id": "peek", "http": {"url": "http://{{input.target}}"}, "retry": {"maxAttempts": 1}}]}""";
  private static final String CALL_ECHO =
      """
      {"nodes": [{"id": "call", "retry": {"maxAttempts": 1}, "http": {
         "method": "POST", "url": "%s/echo",
         "headers": {"Authorization": "Bearer {{secrets.TOKEN}}"},
         "body": "{'token': '{{secrets.TOKEN}}', 'who': input.who}"}}]}""";

  private final List<String> seenAuthorization = new CopyOnWriteArrayList<>();
  private final AtomicInteger closedHits = new AtomicInteger();
  private final List<String> answers = new ArrayList<>();

  @Test
  void workflowsReachOnlyWhatThePolicyAllowsAndSecretsNeverShow(RedisEndpoint redis)
      throws Exception {
    String org = "sec-" + UUID.randomUUID().toString().substring(0, 6);
    String secret = "s3cr3t-\"" + UUID.randomUUID() + "\"";
    var logs = new ListAppender<ILoggingEvent>();
    var root =
        (ch.qos.logback.classic.Logger)
            LoggerFactory.getLogger(ch.qos.logback.classic.Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    Server closed = MeshTestSupport.closedServer(closedHits);
    Server echo = MeshTestSupport.echoServer(closed.activeLocalPort(), seenAuthorization);
    String echoBase = "http://127.0.0.1:" + echo.activeLocalPort();
    try (var cp = ControlPlaneHarness.start()) {
      var gateway = cp.startGateway(redis, org, "gw-sec", "dev", true);
      var restarted = new java.util.ArrayList<io.nexusmesh.gateway.Gateway>();
      boolean[] firstClosed = {false};
      ManagedChannel gw =
          NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        await().atMost(Duration.ofSeconds(20)).until(gateway::registered);
        String admin = cp.token("ada", org, "admin");
        String viewer = cp.token("vic", org, "viewer");
        String outsider = cp.token("eve", "other-" + org, "admin");
        var egress = cp.as(EgressPolicyServiceGrpc.newBlockingStub(cp.channel), admin);
        var secrets = cp.as(SecretServiceGrpc.newBlockingStub(cp.channel), admin);
        String key =
            cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin)
                .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build())
                .getSecret();
        MeshTestSupport.deploy(cp, admin, "probe", PROBE);
        MeshTestSupport.deploy(cp, admin, "call-echo", CALL_ECHO.formatted(echoBase));
        var executions = cp.as(ExecutionServiceGrpc.newBlockingStub(gw), key);

        // The default policy refuses loopback, by address and by name, and says how to allow it.
        for (String host : List.of("127.0.0.1", "localhost")) {
          var refused =
              probe(executions, "http://" + host + ":" + echo.activeLocalPort() + "/echo");
          assertThat(refused.getStatus().getCode())
              .as(refused.getStatus().toString())
              .isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(MeshTestSupport.errorInfo(refused).getReason()).isEqualTo("EGRESS_DENIED");
          assertThat(MeshTestSupport.errorInfo(refused).getMetadataMap())
              .containsEntry("host", host);
          assertThat(refused.getStatus().getDescription())
              .contains("nexus egress allow 127.0.0.1:" + echo.activeLocalPort());
        }

        // Bad rules are refused with the field named; only admins change the policy.
        var badRule =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    egress.updateEgressPolicy(
                        UpdateEgressPolicyRequest.newBuilder()
                            .addAllow(rule("127.0.0.1:" + echo.activeLocalPort()))
                            .addAllow(rule("169.254.169.254"))
                            .build()));
        assertThat(badRule.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(MeshTestSupport.violations(badRule)).containsExactly("allow[1].destination");
        assertThat(
                codeOf(
                    () ->
                        cp.as(EgressPolicyServiceGrpc.newBlockingStub(cp.channel), viewer)
                            .updateEgressPolicy(
                                UpdateEgressPolicyRequest.newBuilder()
                                    .addAllow(rule("10.0.0.0/8"))
                                    .build())))
            .isEqualTo(Status.Code.PERMISSION_DENIED);

        // An admin allows the echo server; the change reaches the gateway with the key set.
        var policy =
            egress
                .updateEgressPolicy(
                    UpdateEgressPolicyRequest.newBuilder()
                        .addAllow(rule("127.0.0.1:" + echo.activeLocalPort()))
                        .setEtag("r0")
                        .build())
                .getPolicy();
        answers.add(MeshTestSupport.print(policy));
        assertThat(policy.getUpdater()).isEqualTo("ada");
        assertThat(
                codeOf(
                    () ->
                        egress.updateEgressPolicy(
                            UpdateEgressPolicyRequest.newBuilder().setEtag("r0").build())))
            .isEqualTo(Status.Code.ABORTED);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    codeOf(() -> executions.execute(probeRequest(echoBase + "/echo")))
                        == Status.Code.OK);

        // A redirect from the allowed server to one the policy does not open is not followed.
        var redirected = probe(executions, echoBase + "/away");
        assertThat(redirected.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(redirected.getStatus().getDescription()).contains("redirect to");
        assertThat(closedHits).hasValue(0);

        // Even a policy that opens all of loopback leaves the mesh's own endpoints closed.
        egress.updateEgressPolicy(
            UpdateEgressPolicyRequest.newBuilder().addAllow(rule("127.0.0.0/8")).build());
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    codeOf(
                            () ->
                                executions.execute(
                                    probeRequest(
                                        "http://127.0.0.1:" + closed.activeLocalPort() + "/x")))
                        == Status.Code.OK);
        closedHits.set(0);
        for (String internal :
            List.of(
                cp.baseUrl() + "/dev-issuer/.well-known/openid-configuration",
                redis.uri().replace("redis://", "http://") + "/",
                "http://127.0.0.1:" + gateway.port() + "/health")) {
          var refused = probe(executions, internal);
          assertThat(refused.getStatus().getCode())
              .as(internal)
              .isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(refused.getStatus().getDescription()).contains("mesh itself");
        }
        egress.updateEgressPolicy(
            UpdateEgressPolicyRequest.newBuilder()
                .addAllow(rule("127.0.0.1:" + echo.activeLocalPort()))
                .build());

        // A literal URL that no policy could ever open is refused when the version is created.
        var metadata =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin)
                        .createWorkflowVersion(
                            CreateWorkflowVersionRequest.newBuilder()
                                .setWorkflowId("probe")
                                .setSpec(
                                    MeshTestSupport.spec(
                                        """
                                        {"nodes": [{"id": "peek", "http": {"url": "http://169.254.169.254/latest/meta-data"}}]}"""))
                                .build()));
        assertThat(metadata.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(MeshTestSupport.violations(metadata)).containsExactly("spec.nodes[0].http.url");

        // Secrets: an admin sets one; values never come back, to anyone.
        var set =
            secrets.setSecret(
                SetSecretRequest.newBuilder().setName("TOKEN").setValue(secret).build());
        answers.add(MeshTestSupport.print(set));
        assertThat(set.getSecret().getVersion()).isEqualTo(1);
        var viewerSecrets = cp.as(SecretServiceGrpc.newBlockingStub(cp.channel), viewer);
        var listed = viewerSecrets.listSecrets(ListSecretsRequest.getDefaultInstance());
        answers.add(MeshTestSupport.print(listed));
        assertThat(listed.getSecretsList()).extracting(s -> s.getName()).containsExactly("TOKEN");
        assertThat(
                codeOf(
                    () ->
                        viewerSecrets.setSecret(
                            SetSecretRequest.newBuilder().setName("TOKEN").setValue("x").build())))
            .isEqualTo(Status.Code.PERMISSION_DENIED);
        var outsiders = cp.as(SecretServiceGrpc.newBlockingStub(cp.channel), outsider);
        assertThat(
                codeOf(
                    () ->
                        outsiders.getSecret(
                            GetSecretRequest.newBuilder().setName("TOKEN").build())))
            .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(
                codeOf(
                    () ->
                        outsiders.deleteSecret(
                            DeleteSecretRequest.newBuilder().setName("TOKEN").build())))
            .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(outsiders.listSecrets(ListSecretsRequest.getDefaultInstance()).getSecretsList())
            .isEmpty();

        // The secret reaches the echo server in the header; what comes back is redacted.
        Struct output =
            await()
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(
                    () -> callEcho(executions), o -> o.getFieldsMap().containsKey("authorization"));
        assertThat(seenAuthorization).contains("Bearer " + secret);
        assertThat(output.getFieldsOrThrow("authorization").getStringValue())
            .isEqualTo("Bearer [redacted:secrets.TOKEN]");
        assertThat(
                output
                    .getFieldsOrThrow("body")
                    .getStructValue()
                    .getFieldsOrThrow("token")
                    .getStringValue())
            .isEqualTo("[redacted:secrets.TOKEN]");

        // A new value takes over on the gateway; a deleted secret fails the step by name.
        secrets.setSecret(
            SetSecretRequest.newBuilder().setName("TOKEN").setValue(secret + "-v2").build());
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> callEchoSeen(executions, secret + "-v2"));
        secrets.deleteSecret(DeleteSecretRequest.newBuilder().setName("TOKEN").build());
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> codeOf(() -> callEcho(executions)) == Status.Code.FAILED_PRECONDITION);

        // Every answer of the run, gRPC and REST, from both planes: no trace of the value.
        collectAnswers(cp, gw, admin, key, org);
        for (String answer : answers) {
          assertThat(answer).doesNotContain(secret).doesNotContain(secretCore(secret));
        }
        assertThat(MeshTestSupport.redisContents(redis)).doesNotContain(secretCore(secret));
        assertThat(logs.list).isNotEmpty();
        for (ILoggingEvent event : logs.list) {
          String line =
              event.getFormattedMessage()
                  + (event.getThrowableProxy() == null
                      ? ""
                      : event.getThrowableProxy().getMessage());
          assertThat(line).doesNotContain(secretCore(secret));
        }

        // A restart makes a new key pair: the gateway re-registers and gets the secrets sealed
        // to it (the key set it mirrored in Redis no longer opens).
        secrets.setSecret(
            SetSecretRequest.newBuilder().setName("TOKEN").setValue(secret + "-v3").build());
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> callEchoSeen(executions, secret + "-v3"));
        gw.shutdownNow();
        gateway.close();
        firstClosed[0] = true;
        var again = cp.startGateway(redis, org, "gw-sec", "dev", true);
        restarted.add(again);
        ManagedChannel gw2 =
            NettyChannelBuilder.forAddress("127.0.0.1", again.port()).usePlaintext().build();
        try {
          var executions2 = cp.as(ExecutionServiceGrpc.newBlockingStub(gw2), key);
          seenAuthorization.clear();
          await()
              .atMost(Duration.ofSeconds(20))
              .ignoreExceptions()
              .until(() -> callEchoSeen(executions2, secret + "-v3"));
        } finally {
          gw2.shutdownNow();
        }
      } finally {
        gw.shutdownNow();
        if (!firstClosed[0]) {
          gateway.close();
        }
        restarted.forEach(io.nexusmesh.gateway.Gateway::close);
      }
    } finally {
      root.detachAppender(logs);
      echo.stop().join();
      closed.stop().join();
    }
  }

  /** The part of the value that survives any escaping (no quote). */
  private static String secretCore(String secret) {
    return secret.substring(secret.indexOf('"') + 1, secret.lastIndexOf('"'));
  }

  private boolean callEchoSeen(
      ExecutionServiceGrpc.ExecutionServiceBlockingStub executions, String value) {
    try {
      callEcho(executions);
    } catch (StatusRuntimeException e) {
      return false;
    }
    return seenAuthorization.contains("Bearer " + value);
  }

  private Struct callEcho(ExecutionServiceGrpc.ExecutionServiceBlockingStub executions) {
    var response =
        executions.execute(
            ExecuteRequest.newBuilder()
                .setWorkflow("call-echo")
                .setInput(
                    Struct.newBuilder()
                        .putFields("who", Value.newBuilder().setStringValue("Ada").build()))
                .build());
    answers.add(MeshTestSupport.print(response));
    return response.getOutput();
  }

  private void collectAnswers(
      ControlPlaneHarness cp, ManagedChannel gw, String admin, String key, String org)
      throws Exception {
    var executions = cp.as(ExecutionServiceGrpc.newBlockingStub(gw), key);
    var listed =
        executions.listExecutions(ListExecutionsRequest.newBuilder().setPageSize(100).build());
    answers.add(MeshTestSupport.print(listed));
    for (var e : listed.getExecutionsList()) {
      answers.add(
          MeshTestSupport.print(
              executions.getExecution(GetExecutionRequest.newBuilder().setId(e.getId()).build())));
      answers.add(
          MeshTestSupport.rest(
              URI.create(
                  "http://127.0.0.1:"
                      + gw.authority().split(":")[1]
                      + "/v1/executions/"
                      + e.getId()),
              key));
    }
    answers.add(
        MeshTestSupport.print(
            cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), admin)
                .listAuditEvents(ListAuditEventsRequest.newBuilder().setPageSize(1000).build())));
    answers.add(
        MeshTestSupport.print(
            cp.as(EgressPolicyServiceGrpc.newBlockingStub(cp.channel), admin)
                .getEgressPolicy(GetEgressPolicyRequest.getDefaultInstance())));
    answers.add(MeshTestSupport.rest(URI.create(cp.baseUrl() + "/v1/secrets"), admin));
    answers.add(
        MeshTestSupport.rest(URI.create(cp.baseUrl() + "/v1/auditEvents?pageSize=1000"), admin));
    answers.add(
        MeshTestSupport.print(
            cp.as(GatewayAdminServiceGrpc.newBlockingStub(gw), cp.controlPlaneToken())
                .getGatewayState(GetGatewayStateRequest.newBuilder().setOrg(org).build())));
    assertThat(answers.stream().filter(a -> a.contains("secrets/TOKEN")).count()).isPositive();
  }

  private StatusRuntimeException probe(
      ExecutionServiceGrpc.ExecutionServiceBlockingStub executions, String url) {
    var e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> executions.execute(probeRequest(url)));
    assertThat(e).as(url).isNotNull();
    answers.add(e.getStatus().toString());
    return e;
  }

  private static ExecuteRequest probeRequest(String url) {
    return ExecuteRequest.newBuilder()
        .setWorkflow("probe")
        .setInput(
            Struct.newBuilder()
                .putFields(
                    "target",
                    Value.newBuilder().setStringValue(url.replaceFirst("^http://", "")).build()))
        .build();
  }

  private static EgressRule rule(String destination) {
    return EgressRule.newBuilder().setDestination(destination).build();
  }
}
