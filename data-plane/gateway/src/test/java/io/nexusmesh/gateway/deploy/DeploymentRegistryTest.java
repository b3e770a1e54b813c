package io.nexusmesh.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.gateway.v1.SealedSecret;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.TransformNode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.engine.OrgAccess;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.egress.EgressPolicy;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.secrets.SecretSealing;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.redisson.config.Config;

/**
 * The gateway's registry against a real Redis: key sets replaced only by newer generations, across
 * a restart too; one deployment generation names one content; and what an older build mirrored
 * (with the field the contract has since reserved) still counts as the same content.
 *
 * <p>Start-up order: Redis (fixture), then registries on it, as gateways make them at start.
 */
@ExtendWith(RedisExtension.class)
class DeploymentRegistryTest {
  private static final String ORG = "acme";

  private RedissonClient redis;
  private String gatewayId;

  @BeforeEach
  void connect(RedisEndpoint endpoint) {
    Config config = new Config();
    config.useSingleServer().setAddress(endpoint.uri());
    redis = Redisson.create(config);
    gatewayId = "gw-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void disconnect() {
    redis.shutdown();
  }

  @Test
  void aKeySetIsReplacedOnlyByANewerGenerationAcrossARestartToo() {
    var registry = registry(SecretSealing.Recipient.generate());
    registry.load();
    ApiKeys.NewKey key = ApiKeys.generate();
    registry.applyKeySet(keySet(2, key));
    assertThat(registry.applyKeySet(keySet(1))).isEqualTo(2); // built before the key existed
    assertThat(registry.verify(key.secret())).isPresent();

    assertThat(registry.applyKeySet(keySet(3))).isEqualTo(3); // revoked
    assertThat(registry.verify(key.secret())).isEmpty();
    registry.apply(deployment(1, "Greets", keySet(2, key))); // an old push arrives late
    assertThat(registry.verify(key.secret())).isEmpty();

    var restarted = registry(SecretSealing.Recipient.generate());
    restarted.load();
    assertThat(restarted.keyGenerations()).containsEntry(ORG, 3L);
    assertThat(restarted.verify(key.secret())).isEmpty();
  }

  @Test
  void oneGenerationNamesOneContent() {
    var registry = registry(SecretSealing.Recipient.generate());
    registry.load();
    registry.apply(deployment(5, "Greets", keySet(1)));
    assertThat(registry.apply(deployment(5, "Greets", keySet(1))).generation()).isEqualTo(5);
    assertThat(registry.apply(deployment(4, "Older", keySet(1))).generation()).isEqualTo(5);
    assertThatThrownBy(() -> registry.apply(deployment(5, "Something else", keySet(1))))
        .isInstanceOfSatisfying(
            NexusException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_FAILED_PRECONDITION));
    assertThat(registry.find(ORG, "hello").orElseThrow().getDescription()).isEqualTo("Greets");
  }

  @Test
  void whatAnOlderBuildMirroredIsTheSameContentPushedAgain() {
    ApiKeys.NewKey key = ApiKeys.generate();
    ApplyDeploymentRequest pushed = deployment(7, "Greets", keySet(1, key));
    // As an older build stored it: the deployment carried the keys in field 7 (now reserved).
    var oldField =
        UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(
                ApiKeyHash.newBuilder()
                    .setKeyId(key.id())
                    .setSha256(key.sha256())
                    .build()
                    .toByteString())
            .build();
    var stored =
        pushed.toBuilder()
            .clearKeySet()
            .setDeployment(
                pushed.getDeployment().toBuilder()
                    .setUnknownFields(UnknownFieldSet.newBuilder().addField(7, oldField).build()))
            .build();
    redis
        .getMap(
            "nx:gateway:{" + gatewayId + "}:deployments",
            new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE))
        .fastPut(ORG + "/hello", stored.toByteArray());

    var registry = registry(SecretSealing.Recipient.generate());
    registry.load();
    assertThat(registry.apply(pushed).generation()).isEqualTo(7);
    assertThat(registry.verify(key.secret())).isPresent();
  }

  @Test
  void secretsOpenOnlyWithTheKeyOfThisRunAndAreDeliveredAgainAtTheSameGeneration()
      throws Exception {
    var firstRun = SecretSealing.Recipient.generate();
    var registry = registry(firstRun);
    registry.applyKeySet(sealedTo(firstRun, 3, "TOKEN", "s3cr3t-value"));
    assertThat(registry.secret(ORG, "TOKEN"))
        .isEqualTo(new OrgAccess.SecretLookup.Found("s3cr3t-value"));
    assertThat(registry.secret(ORG, "OTHER")).isEqualTo(new OrgAccess.SecretLookup.Missing());
    assertThat(registry.keySets(ORG).getFirst().getSecretNamesList()).containsExactly("TOKEN");

    // The mirror in Redis holds the sealed value only.
    var mirrored =
        redis
            .getMap(
                "nx:gateway:{" + gatewayId + "}:keysets",
                new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE))
            .readAllValues();
    assertThat(mirrored).isNotEmpty();
    for (Object bytes : mirrored) {
      assertThat(new String((byte[]) bytes, java.nio.charset.StandardCharsets.ISO_8859_1))
          .doesNotContain("s3cr3t-value");
    }

    // A restart makes a new key pair: the mirrored secrets no longer open...
    var secondRun = SecretSealing.Recipient.generate();
    var restarted = registry(secondRun);
    restarted.load();
    assertThat(restarted.secret(ORG, "TOKEN"))
        .isEqualTo(new OrgAccess.SecretLookup.NotYetDelivered());
    assertThat(restarted.keySets(ORG).getFirst().getSecretsReadable()).isFalse();
    // ...a replay sealed to the old key is still ignored, and the control plane's push of the
    // same generation, sealed to the new key, is taken.
    assertThat(restarted.applyKeySet(sealedTo(firstRun, 3, "TOKEN", "s3cr3t-value"))).isEqualTo(3);
    assertThat(restarted.secret(ORG, "TOKEN"))
        .isEqualTo(new OrgAccess.SecretLookup.NotYetDelivered());
    assertThat(restarted.applyKeySet(sealedTo(secondRun, 3, "TOKEN", "s3cr3t-value"))).isEqualTo(3);
    assertThat(restarted.secret(ORG, "TOKEN"))
        .isEqualTo(new OrgAccess.SecretLookup.Found("s3cr3t-value"));
    // Once readable, the same generation again changes nothing.
    assertThat(restarted.applyKeySet(sealedTo(secondRun, 3, "TOKEN", "other"))).isEqualTo(3);
    assertThat(restarted.secret(ORG, "TOKEN"))
        .isEqualTo(new OrgAccess.SecretLookup.Found("s3cr3t-value"));
  }

  @Test
  void aValueSealedForAnotherOrgOrNameDoesNotOpen() throws Exception {
    var recipient = SecretSealing.Recipient.generate();
    byte[] forOther = SecretSealing.seal(recipient.publicKey(), "other-org", "TOKEN", 1, "theirs");
    var set =
        KeySet.newBuilder()
            .setOrg(ORG)
            .setGeneration(1)
            .setSecretsRecipient(recipient.fingerprint())
            .addSecrets(
                SealedSecret.newBuilder()
                    .setName("TOKEN")
                    .setVersion(1)
                    .setCiphertext(ByteString.copyFrom(forOther)))
            .build();
    var registry = registry(recipient);
    registry.applyKeySet(set);
    assertThat(registry.secret(ORG, "TOKEN"))
        .isEqualTo(new OrgAccess.SecretLookup.NotYetDelivered());
  }

  @Test
  void theEgressAllowListBecomesTheOrgsPolicy() throws Exception {
    var registry = registry(SecretSealing.Recipient.generate());
    var loopback = java.net.InetAddress.getByName("127.0.0.1");
    assertThat(registry.egressPolicy(ORG).check("127.0.0.1", 8089, loopback).allowed()).isFalse();
    registry.applyKeySet(keySet(1).toBuilder().addEgressAllow("127.0.0.1:8089").build());
    assertThat(registry.egressPolicy(ORG).check("127.0.0.1", 8089, loopback).allowed()).isTrue();
    assertThat(registry.egressPolicy(ORG).check("127.0.0.1", 8090, loopback).allowed()).isFalse();
    assertThat(registry.egressPolicy("other").check("127.0.0.1", 8089, loopback).allowed())
        .isFalse();
  }

  private DeploymentRegistry registry(SecretSealing.Recipient recipient) {
    return new DeploymentRegistry(redis, gatewayId, recipient, EgressPolicy.MeshEndpoints.NONE);
  }

  private static KeySet sealedTo(
      SecretSealing.Recipient recipient, long generation, String name, String value)
      throws Exception {
    return keySet(generation).toBuilder()
        .setSecretsRecipient(recipient.fingerprint())
        .addSecrets(
            SealedSecret.newBuilder()
                .setName(name)
                .setVersion(1)
                .setCiphertext(
                    ByteString.copyFrom(
                        SecretSealing.seal(recipient.publicKey(), ORG, name, 1, value))))
        .build();
  }

  private static KeySet keySet(long generation, ApiKeys.NewKey... keys) {
    var set = KeySet.newBuilder().setOrg(ORG).setGeneration(generation);
    for (ApiKeys.NewKey key : keys) {
      set.addApiKeys(ApiKeyHash.newBuilder().setKeyId(key.id()).setSha256(key.sha256()));
    }
    return set.build();
  }

  private static ApplyDeploymentRequest deployment(
      long generation, String description, KeySet keySet) {
    return ApplyDeploymentRequest.newBuilder()
        .setGeneration(generation)
        .setKeySet(keySet)
        .setDeployment(
            DeployedWorkflow.newBuilder()
                .setDeploymentId("d" + generation)
                .setOrg(ORG)
                .setWorkflowId("hello")
                .setVersion(1)
                .setDescription(description)
                .setSpec(
                    WorkflowSpec.newBuilder()
                        .addNodes(
                            Node.newBuilder()
                                .setId("greet")
                                .setTransform(TransformNode.newBuilder().setExpression("1")))))
        .build();
  }
}
