package io.nexusmesh.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UnknownFieldSet;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.TransformNode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.error.NexusException;
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
    var registry = new DeploymentRegistry(redis, gatewayId);
    registry.load();
    ApiKeys.NewKey key = ApiKeys.generate();
    registry.applyKeySet(keySet(2, key));
    assertThat(registry.applyKeySet(keySet(1))).isEqualTo(2); // built before the key existed
    assertThat(registry.verify(key.secret())).isPresent();

    assertThat(registry.applyKeySet(keySet(3))).isEqualTo(3); // revoked
    assertThat(registry.verify(key.secret())).isEmpty();
    registry.apply(deployment(1, "Greets", keySet(2, key))); // an old push arrives late
    assertThat(registry.verify(key.secret())).isEmpty();

    var restarted = new DeploymentRegistry(redis, gatewayId);
    restarted.load();
    assertThat(restarted.keyGenerations()).containsEntry(ORG, 3L);
    assertThat(restarted.verify(key.secret())).isEmpty();
  }

  @Test
  void oneGenerationNamesOneContent() {
    var registry = new DeploymentRegistry(redis, gatewayId);
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

    var registry = new DeploymentRegistry(redis, gatewayId);
    registry.load();
    assertThat(registry.apply(pushed).generation()).isEqualTo(7);
    assertThat(registry.verify(key.secret())).isPresent();
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
