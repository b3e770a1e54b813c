package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /docs} offers a ready request for each RPC of the gateway, so "try it" works at once. */
@ExtendWith(RedisExtension.class)
class DocsTest {
  @Test
  void everyRpcOfThePublicServicesHasAnExampleRequest(RedisEndpoint redis) throws Exception {
    try (var gateway = GatewayHarness.start(redis)) {
      var response =
          io.nexusmesh.testing.TestHttp.client()
              .send(
                  HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/docs/specification.json"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode spec = new ObjectMapper().readTree(response.body());
      int checked = 0;
      for (JsonNode service : spec.path("services")) {
        String name = service.path("name").asText();
        // (The REST-transcoded twins, "<service>_HTTP", are tried through the REST path.)
        if (!name.equals("nexus.gateway.v1.ExecutionService")
            && !name.equals("nexus.gateway.v1.SessionService")) {
          continue;
        }
        for (JsonNode method : service.path("methods")) {
          assertThat(method.path("exampleRequests"))
              .as(name + "/" + method.path("name").asText())
              .isNotEmpty();
          checked++;
        }
      }
      assertThat(checked).isGreaterThanOrEqualTo(13);
      assertThat(response.body()).contains("Ada");
    }
  }
}
