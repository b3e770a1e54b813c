package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cluster-wide rate limits: two gateways share one Redis, so a key's budget is spent across both;
 * the refusal is RESOURCE_EXHAUSTED with RetryInfo over gRPC and 429 with Retry-After over REST.
 */
@ExtendWith(RedisExtension.class)
class RateLimitTest {
  @Test
  void aKeysBudgetIsSharedByEveryGateway(RedisEndpoint redis) throws Exception {
    try (var a = GatewayHarness.start(redis, "NEXUS_GATEWAY_RATE_LIMIT_PER_KEY=3");
        var b = GatewayHarness.start(redis, "NEXUS_GATEWAY_RATE_LIMIT_PER_KEY=3")) {
      String org = GatewayHarness.newOrg();
      String spec =
          """
          {"nodes": [{"id": "t", "transform": {"expression": "{'ok': true}"}}], "mode": "EXECUTION_MODE_EPHEMERAL"}""";
      a.deploy(org, "quick", spec);
      String key = a.apiKey(org);
      b.deploy(org, "quick", spec);
      var request = ExecuteRequest.newBuilder().setWorkflow("quick").setInput(json("{}")).build();
      var onA =
          GatewayHarness.as(
              io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc.newBlockingStub(a.channel), key);
      var onB =
          GatewayHarness.as(
              io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc.newBlockingStub(b.channel), key);
      onA.execute(request);
      onB.execute(request);
      onA.execute(request);
      var refused = catchThrowable(() -> onB.execute(request));
      ErrorDetails details = ErrorDetails.from(refused);
      assertThat(details.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(details.retryDelay()).isPresent();

      var rest =
          io.nexusmesh.testing.TestHttp.client()
              .send(
                  HttpRequest.newBuilder(URI.create(a.baseUrl() + "/v1/workflows/quick:execute"))
                      .header("authorization", "Bearer " + key)
                      .header("content-type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(rest.statusCode()).isEqualTo(429);
      assertThat(rest.headers().firstValue("retry-after")).hasValue("1");
    }
  }
}
