package io.nexusmesh.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.nexusmesh.sidecar.PanelIdentity;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** The bus proxy against a real Redis: stamping, its only two paths, and its limits. */
@ExtendWith(RedisExtension.class)
class BusProxyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RedissonClient redis;
  private PanelIdentity identity;
  private Server server;
  private WebClient client;

  @BeforeEach
  void start(RedisEndpoint endpoint) {
    Config config = new Config();
    config.useSingleServer().setAddress(endpoint.uri());
    redis = Redisson.create(config);
    identity = new PanelIdentity();
    server = ProxyServer.build(new BusProxy(redis, identity), 0, Optional.empty());
    server.start().join();
    client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
  }

  @AfterEach
  void stop() {
    server.stop().join();
    redis.shutdown();
  }

  private int publish(String body) {
    return client
        .prepare()
        .post("/proxy")
        .content(MediaType.JSON, body)
        .execute()
        .aggregate()
        .join()
        .status()
        .code();
  }

  @Test
  void nothingIsPublishedBeforeTheControlPlaneNamedThePanel() {
    assertThat(publish("{\"channel\": \"c\", \"payload\": 1}")).isEqualTo(503);
  }

  @Test
  void aForgedSenderIsReplacedByThePanelsOwnIdentity() {
    identity.name("acme", "notes");
    List<String> received = new CopyOnWriteArrayList<>();
    redis
        .getTopic(BusProxy.topic("acme", "notes", "updates"), StringCodec.INSTANCE)
        .addListener(String.class, (channel, message) -> received.add(message));
    assertThat(
            publish(
                """
                {"channel": "updates", "sender": {"org": "other", "panel": "admin"},
                 "payload": {"text": "hi"}}"""))
        .isEqualTo(202);
    await().atMost(Duration.ofSeconds(5)).until(() -> !received.isEmpty());
    JsonNode envelope = read(received.get(0));
    assertThat(envelope.path("sender").path("org").asText()).isEqualTo("acme");
    assertThat(envelope.path("sender").path("panel").asText()).isEqualTo("notes");
    assertThat(envelope.path("sender").path("instance").asText()).isEqualTo(identity.instance());
    assertThat(envelope.path("payload").path("text").asText()).isEqualTo("hi");
  }

  @Test
  void onlyTheTwoPathsExistAndBadInputIsA4xx() {
    identity.name("acme", "notes");
    var get = client.get("/proxy").aggregate().join();
    assertThat(get.status()).isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
    for (String path : List.of("/proxy/", "/proxy/x", "/Proxy", "/", "/admin")) {
      assertThat(
              client
                  .prepare()
                  .post(path)
                  .content(MediaType.JSON, "{}")
                  .execute()
                  .aggregate()
                  .join()
                  .status())
          .as(path)
          .isEqualTo(HttpStatus.NOT_FOUND);
    }
    assertThat(publish("not json")).isEqualTo(400);
    assertThat(publish("{\"channel\": \"../x\"}")).isEqualTo(400);
    assertThat(publish("{\"channel\": \"c\", \"payload\": \"" + "x".repeat(70_000) + "\"}"))
        .isEqualTo(413);
  }

  @Test
  void aFloodIsRefusedWithRetryAfter() {
    identity.name("acme", "notes");
    int refused = 0;
    String retryAfter = null;
    var sent =
        new java.util.ArrayList<
            java.util.concurrent.CompletableFuture<
                com.linecorp.armeria.common.AggregatedHttpResponse>>();
    for (int i = 0; i < 1000; i++) {
      sent.add(
          client
              .prepare()
              .post("/proxy")
              .content(MediaType.JSON, "{\"channel\": \"c\", \"payload\": 1}")
              .execute()
              .aggregate());
    }
    for (var future : sent) {
      var response = future.join();
      if (response.status() == HttpStatus.TOO_MANY_REQUESTS) {
        refused++;
        retryAfter = response.headers().get("retry-after");
      }
    }
    assertThat(refused).isPositive();
    assertThat(retryAfter).isEqualTo("1");
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
