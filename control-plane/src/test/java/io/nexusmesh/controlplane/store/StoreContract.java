package io.nexusmesh.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.TransformNode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.controlplane.secret.SecretCipher;
import io.nexusmesh.controlplane.secret.SecretReencryption;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The store's behaviour, run against each database the control plane supports: subclasses give a
 * migrated {@link DataSource} (H2 always; PostgreSQL when configured, and always under CI).
 */
abstract class StoreContract implements PanelStoreCases {
  private WorkflowStore workflows;
  private AuditStore audit;
  private Mutations mutations;
  private TransactionTemplate transactions;
  private JdbcClient jdbc;
  private String org;
  private Principal principal;

  /** A data source of an empty database for this run. */
  abstract DataSource dataSource();

  @Override
  public JdbcClient jdbc() {
    return jdbc;
  }

  static void migrate(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
  }

  @BeforeEach
  void setUp() {
    DataSource dataSource = dataSource();
    jdbc = JdbcClient.create(dataSource);
    transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    workflows = new WorkflowStore(jdbc);
    audit = new AuditStore(jdbc);
    mutations =
        new Mutations(
            transactions, audit, new IdempotencyStore(jdbc), new AuditFeed(), Clock.systemUTC());
    org = "org-" + UUID.randomUUID();
    principal =
        new Principal("alice", org, Set.of("admin"), Set.of(), PrincipalKind.USER, Set.of());
  }

  private <T> T inTransaction(Callable<T> work) {
    return transactions.execute(
        status -> {
          try {
            return work.call();
          } catch (RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private Workflow insert(String id) {
    return inTransaction(
        () ->
            workflows.insert(
                org, Workflow.newBuilder().setId(id).putLabels("k", "v").build(), Instant.now()));
  }

  private static WorkflowSpec spec() {
    return WorkflowSpec.newBuilder()
        .addNodes(
            Node.newBuilder()
                .setId("n")
                .setTransform(TransformNode.newBuilder().setExpression("1")))
        .build();
  }

  private static ErrorReason reasonOf(Runnable call) {
    var reason = new ErrorReason[1];
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(NexusException.class, e -> reason[0] = e.reason());
    return reason[0];
  }

  @Test
  void insertFindAndScopeByOrg() {
    Workflow created = insert("hello");
    assertThat(created.getLabelsMap()).isEqualTo(Map.of("k", "v"));
    assertThat(workflows.find(org, "hello")).contains(created);
    assertThat(workflows.find("another-org", "hello")).isEmpty();
    assertThat(reasonOf(() -> insert("hello"))).isEqualTo(ErrorReason.ERROR_REASON_ALREADY_EXISTS);
  }

  @Test
  void updatesAreOptimistic() {
    Workflow created = insert("hello");
    long revision = Long.parseLong(created.getEtag().substring(1));
    Workflow updated =
        inTransaction(
            () ->
                workflows.update(
                    org, "hello", OptionalLong.of(revision), "Hi", "d", Map.of(), Instant.now()));
    assertThat(updated.getDisplayName()).isEqualTo("Hi");
    assertThat(
            reasonOf(
                () ->
                    inTransaction(
                        () ->
                            workflows.update(
                                org,
                                "hello",
                                OptionalLong.of(revision),
                                "Lost",
                                "",
                                Map.of(),
                                Instant.now()))))
        .isEqualTo(ErrorReason.ERROR_REASON_ETAG_MISMATCH);
    assertThat(
            reasonOf(
                () ->
                    inTransaction(
                        () ->
                            workflows.update(
                                org,
                                "nope",
                                OptionalLong.empty(),
                                "",
                                "",
                                Map.of(),
                                Instant.now()))))
        .isEqualTo(ErrorReason.ERROR_REASON_NOT_FOUND);
  }

  @Test
  void concurrentVersionsGetConsecutiveNumbers() throws Exception {
    insert("hello");
    var pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(
            pool.submit(
                () ->
                    inTransaction(
                        () ->
                            workflows
                                .insertVersion(
                                    org,
                                    "hello",
                                    spec(),
                                    "0".repeat(64),
                                    "",
                                    "alice",
                                    Instant.now())
                                .getVersion())));
      }
      List<Long> numbers = new ArrayList<>();
      for (Future<Long> result : results) {
        numbers.add(result.get());
      }
      assertThat(numbers).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    } finally {
      pool.shutdownNow();
    }
    assertThat(workflows.listVersions(org, "hello", Long.MAX_VALUE, 3))
        .extracting(v -> v.getVersion())
        .containsExactly(8L, 7L, 6L);
    assertThat(workflows.get(org, "hello").getLatestVersion()).isEqualTo(8);
  }

  @Test
  void secretsAreStoredAsCiphertextAndSurviveAKeyRotation() {
    SecretStore secrets = new SecretStore(jdbc);
    String keyset = SecretCipher.newKeysetJson();
    SecretCipher before = SecretCipher.ofJson(keyset);
    String value = "value-" + UUID.randomUUID();
    var encrypted = before.encrypt(org, "TOKEN", value);
    var first =
        secrets.put(
            org, "TOKEN", encrypted.ciphertext(), encrypted.keyId(), "alice", Instant.now());
    assertThat(first.secret().getVersion()).isEqualTo(1);
    var again = before.encrypt(org, "TOKEN", value + "2");
    assertThat(
            secrets
                .put(org, "TOKEN", again.ciphertext(), again.keyId(), "alice", Instant.now())
                .secret()
                .getVersion())
        .isEqualTo(2);
    // The database holds no plaintext, and a ciphertext is bound to its org and name.
    String raw =
        jdbc.sql("SELECT ciphertext FROM secrets WHERE org = ?")
            .param(org)
            .query(String.class)
            .single();
    assertThat(
            new String(
                java.util.Base64.getDecoder().decode(raw),
                java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain(value);
    byte[] stored = secrets.find(org, "TOKEN").orElseThrow().ciphertext();
    assertThat(before.decrypt(org, "TOKEN", stored)).isEqualTo(value + "2");
    assertThatThrownBy(() -> before.decrypt("other-" + org, "TOKEN", stored))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> before.decrypt(org, "OTHER", stored))
        .isInstanceOf(IllegalStateException.class);

    // Rotate: a new primary key; the start-up pass re-encrypts, and the old key can then go.
    String rotatedJson = SecretCipher.rotatedKeysetJson(keyset);
    SecretCipher rotated = SecretCipher.ofJson(rotatedJson);
    assertThat(rotated.primaryKeyId()).isNotEqualTo(before.primaryKeyId());
    new SecretReencryption(secrets, rotated).run();
    var row = secrets.find(org, "TOKEN").orElseThrow();
    assertThat(row.keyId()).isEqualTo(rotated.primaryKeyId());
    assertThat(row.secret().getVersion()).isEqualTo(2);
    String onlyNewKey = onlyPrimary(rotatedJson);
    assertThat(SecretCipher.ofJson(onlyNewKey).decrypt(org, "TOKEN", row.ciphertext()))
        .isEqualTo(value + "2");
    assertThat(secrets.list(org, "", 10))
        .extracting(r -> r.secret().getName())
        .containsExactly("TOKEN");
    assertThat(secrets.delete(org, "TOKEN")).isPresent();
    assertThat(secrets.find(org, "TOKEN")).isEmpty();
  }

  /** {@code keysetJson} without its non-primary keys. */
  private static String onlyPrimary(String keysetJson) {
    try {
      var handle =
          com.google.crypto.tink.TinkJsonProtoKeysetFormat.parseKeyset(
              keysetJson, com.google.crypto.tink.InsecureSecretKeyAccess.get());
      var builder = com.google.crypto.tink.KeysetHandle.newBuilder(handle);
      for (int i = builder.size() - 1; i >= 0; i--) {
        if (!builder.getAt(i).isPrimary()) {
          builder.deleteAt(i);
        }
      }
      return com.google.crypto.tink.TinkJsonProtoKeysetFormat.serializeKeyset(
          builder.build(), com.google.crypto.tink.InsecureSecretKeyAccess.get());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anEgressPolicyKeepsItsOrderAndRefusesAStaleEtag() {
    EgressPolicyStore egress = new EgressPolicyStore(jdbc);
    assertThat(egress.get(org).getAllowList()).isEmpty();
    assertThat(egress.get(org).getEtag()).isEqualTo("r0");
    var rules =
        List.of(
            io.nexusmesh.api.controlplane.v1.EgressRule.newBuilder()
                .setDestination("b.example")
                .build(),
            io.nexusmesh.api.controlplane.v1.EgressRule.newBuilder()
                .setDestination("127.0.0.1:8089")
                .setDescription("local")
                .build());
    var policy = egress.replace(org, java.util.OptionalLong.of(0), rules, "alice", Instant.now());
    assertThat(policy.getEtag()).isEqualTo("r1");
    assertThat(egress.destinations(org)).containsExactly("b.example", "127.0.0.1:8089");
    assertThatThrownBy(
            () ->
                egress.replace(org, java.util.OptionalLong.of(0), List.of(), "bob", Instant.now()))
        .isInstanceOfSatisfying(
            NexusException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(io.nexusmesh.api.common.v1.ErrorReason.ERROR_REASON_ETAG_MISMATCH));
    assertThat(
            egress
                .replace(org, java.util.OptionalLong.empty(), List.of(), "bob", Instant.now())
                .getAllowList())
        .isEmpty();
    assertThat(egress.get(org).getUpdater()).isEqualTo("bob");
  }

  @Test
  void everyKeyChangeAdvancesTheKeyGenerationItsKeySetIsReadAt() throws Exception {
    ApiKeyStore keys = new ApiKeyStore(jdbc);
    assertThat(keys.keySet(org).getGeneration()).isZero();
    keys.ensureGeneration(org);
    keys.ensureGeneration(org); // a second call changes nothing
    var pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        String id = "key" + i;
        results.add(
            pool.submit(
                () ->
                    inTransaction(
                        () -> {
                          keys.insert(
                              org,
                              id,
                              String.format("%064d", id.hashCode() & 0xffff),
                              id,
                              List.of(),
                              "alice",
                              Instant.now());
                          return keys.advanceGeneration(org);
                        })));
      }
      List<Long> generations = new ArrayList<>();
      for (Future<Long> result : results) {
        generations.add(result.get());
      }
      assertThat(generations).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
    } finally {
      pool.shutdownNow();
    }
    var set = keys.keySet(org);
    assertThat(set.getGeneration()).isEqualTo(6);
    assertThat(set.getApiKeysList()).hasSize(6);

    inTransaction(
        () -> {
          keys.revoke(org, "key0", Instant.now());
          return keys.advanceGeneration(org);
        });
    assertThatThrownBy(
            () ->
                inTransaction(
                    () -> {
                      keys.revoke(org, "key1", Instant.now());
                      keys.advanceGeneration(org);
                      throw new IllegalStateException("fails after both writes");
                    }))
        .isInstanceOf(IllegalStateException.class);
    set = keys.keySet(org);
    assertThat(set.getGeneration()).isEqualTo(7);
    assertThat(set.getApiKeysList())
        .extracting(k -> k.getKeyId())
        .containsExactly("key1", "key2", "key3", "key4", "key5");
  }

  @Test
  void aFailedChangeLeavesNothingBehind() {
    assertThatThrownBy(
            () ->
                mutations.run(
                    principal,
                    "test/Fail",
                    "",
                    CreateWorkflowResponse.parser(),
                    now -> {
                      workflows.insert(org, Workflow.newBuilder().setId("half").build(), now);
                      throw NexusException.invalidArgument("x", "fails after the first write");
                    }))
        .isInstanceOf(NexusException.class);
    assertThat(workflows.find(org, "half")).isEmpty();
    assertThat(audit.list(org, new AuditStore.Filter("", "", "", null, null), Long.MAX_VALUE, 10))
        .isEmpty();
  }

  @Test
  void aChangeIsAuditedOnceAndReplayedByRequestId() {
    for (int i = 0; i < 2; i++) {
      var response =
          mutations.run(
              principal,
              "test/Create",
              "req-1",
              CreateWorkflowResponse.parser(),
              now ->
                  new Change<>(
                      CreateWorkflowResponse.newBuilder()
                          .setWorkflow(
                              workflows.insert(
                                  org, Workflow.newBuilder().setId("once").build(), now))
                          .build(),
                      "workflows/once"));
      assertThat(response.getWorkflow().getId()).isEqualTo("once");
    }
    var events = audit.list(org, new AuditStore.Filter("", "", "", null, null), Long.MAX_VALUE, 10);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).event().getRequestId()).isEqualTo("req-1");
    assertThat(events.get(0).event().getResource()).isEqualTo("workflows/once");
  }

  @Test
  void auditListsNewestFirstWithFiltersAndPages() {
    for (String action : List.of("a/One", "a/Two", "a/One", "a/Three")) {
      inTransaction(
          () ->
              audit.append(
                  org,
                  "alice",
                  action,
                  "workflows/x",
                  "r",
                  io.nexusmesh.api.controlplane.v1.AuditOutcome.AUDIT_OUTCOME_SUCCEEDED,
                  Instant.now()));
    }
    var all = audit.list(org, new AuditStore.Filter("", "", "", null, null), Long.MAX_VALUE, 10);
    assertThat(all)
        .extracting(r -> r.event().getAction())
        .containsExactly("a/Three", "a/One", "a/Two", "a/One");
    var firstPage =
        audit.list(org, new AuditStore.Filter("", "", "", null, null), Long.MAX_VALUE, 2);
    var secondPage =
        audit.list(org, new AuditStore.Filter("", "", "", null, null), firstPage.get(1).seq(), 2);
    assertThat(secondPage).extracting(r -> r.event().getAction()).containsExactly("a/Two", "a/One");
    assertThat(
            audit.list(org, new AuditStore.Filter("", "a/One", "", null, null), Long.MAX_VALUE, 10))
        .hasSize(2);
    assertThat(
            audit.list(org, new AuditStore.Filter("bob", "", "", null, null), Long.MAX_VALUE, 10))
        .isEmpty();
    assertThat(
            audit.list(
                org,
                new AuditStore.Filter("", "", "", Instant.now().plusSeconds(60), null),
                Long.MAX_VALUE,
                10))
        .isEmpty();
  }
}
