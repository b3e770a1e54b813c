package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.controlplane.v1.ApiKey;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.ApiKeyState;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.ListApiKeysRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.RevokeApiKeyRequest;
import io.nexusmesh.runtime.auth.ApiKeys;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * API keys on the running control plane: the secret is shown once and only its hash is stored, keys
 * can be limited to workflows, listed and revoked, by admins of their own org only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiKeyApiTest {
  private ControlPlaneHarness cp;

  @BeforeAll
  void start() throws Exception {
    cp = ControlPlaneHarness.start();
  }

  @AfterAll
  void stop() throws Exception {
    cp.close();
  }

  private ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys(String org, String role) {
    return cp.as(
        ApiKeyServiceGrpc.newBlockingStub(cp.channel), cp.token(role + "-user", org, role));
  }

  @Test
  void secretIsShownOnceAndOnlyItsHashIsStored() {
    String org = "org-" + UUID.randomUUID();
    var created =
        keys(org, "admin")
            .createApiKey(
                CreateApiKeyRequest.newBuilder()
                    .setDisplayName("ci")
                    .addAllowedWorkflowIds("hello")
                    .build());
    String secret = created.getSecret();
    assertThat(secret).startsWith(ApiKeys.PREFIX);
    assertThat(ApiKeys.idOf(secret)).contains(created.getApiKey().getId());
    assertThat(created.getApiKey().getAllowedWorkflowIdsList()).containsExactly("hello");
    assertThat(created.getApiKey().getState()).isEqualTo(ApiKeyState.API_KEY_STATE_ACTIVE);

    var jdbc = JdbcClient.create(cp.context.getBean(DataSource.class));
    List<Map<String, Object>> rows =
        jdbc.sql("SELECT * FROM api_keys WHERE org = ?").params(org).query().listOfRows();
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("sha256").toString().trim()).isEqualTo(ApiKeys.sha256Hex(secret));
    assertThat(rows.get(0).values()).noneMatch(v -> String.valueOf(v).contains(secret));
    List<Map<String, Object>> remembered =
        jdbc.sql("SELECT * FROM idempotent_responses WHERE org = ?")
            .params(org)
            .query()
            .listOfRows();
    assertThat(remembered).isEmpty();

    List<ApiKey> listed =
        keys(org, "admin").listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList();
    assertThat(listed).containsExactly(created.getApiKey());
  }

  @Test
  void aRetriedCreateReturnsTheSameKeyWithoutItsSecret() {
    String org = "org-" + UUID.randomUUID();
    var request =
        CreateApiKeyRequest.newBuilder().setDisplayName("ci").setRequestId("once").build();
    var first = keys(org, "admin").createApiKey(request);
    var again = keys(org, "admin").createApiKey(request);
    assertThat(again.getApiKey()).isEqualTo(first.getApiKey());
    assertThat(again.getSecret()).isEmpty();
    String stored =
        JdbcClient.create(cp.context.getBean(DataSource.class))
            .sql("SELECT response FROM idempotent_responses WHERE org = ?")
            .params(org)
            .query(
                (rs, n) -> new String(rs.getBytes(1), java.nio.charset.StandardCharsets.ISO_8859_1))
            .single();
    assertThat(stored).doesNotContain(first.getSecret());
    assertThat(
            keys(org, "admin")
                .listApiKeys(ListApiKeysRequest.getDefaultInstance())
                .getApiKeysCount())
        .isEqualTo(1);
  }

  @Test
  void revokeIsAuditedAndScopedToTheOrg() {
    String org = "org-" + UUID.randomUUID();
    var created =
        keys(org, "admin")
            .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("k").build());
    String id = created.getApiKey().getId();
    var revoke = RevokeApiKeyRequest.newBuilder().setId(id).build();
    assertThat(
            ControlPlaneHarness.codeOf(
                () -> keys("org-" + UUID.randomUUID(), "admin").revokeApiKey(revoke)))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            keys("org-" + UUID.randomUUID(), "admin")
                .listApiKeys(ListApiKeysRequest.getDefaultInstance())
                .getApiKeysList())
        .isEmpty();
    assertThat(ControlPlaneHarness.codeOf(() -> keys(org, "developer").revokeApiKey(revoke)))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    ApiKey revoked = keys(org, "admin").revokeApiKey(revoke).getApiKey();
    assertThat(revoked.getState()).isEqualTo(ApiKeyState.API_KEY_STATE_REVOKED);
    assertThat(revoked.hasRevokeTime()).isTrue();
    assertThat(
            cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), cp.token("a", org, "admin"))
                .listAuditEvents(ListAuditEventsRequest.getDefaultInstance())
                .getAuditEventsList())
        .extracting(
            e -> e.getAction().substring(e.getAction().indexOf('/') + 1) + " " + e.getResource())
        .containsExactly("RevokeApiKey apiKeys/" + id, "CreateApiKey apiKeys/" + id);
    assertThatThrownBy(
            () ->
                keys(org, "admin")
                    .createApiKey(
                        CreateApiKeyRequest.newBuilder()
                            .addAllowedWorkflowIds("Not Valid")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }
}
