package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusmesh.testing.OpenApiCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The control plane's {@code /openapi.json}: valid OpenAPI 3.1 for the npm validator, covering
 * every REST route, and each request built from it answered as its response schema says.
 */
class OpenApiTest {
  private static final HttpClient http = io.nexusmesh.testing.TestHttp.client();

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theDocumentIsValidAndDescribesWhatTheRoutesAnswer() throws Exception {
    // With its trace receiver, so that every list route answers (TraceService's included).
    try (var cp = ControlPlaneHarness.start("nexus.control-plane.traces.receiver-port=0")) {
      String admin = cp.token("ada", "openapi-org", "admin");
      String text = send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/openapi.json"))).body();
      OpenApiCheck.validateWithNpm(text);
      JsonNode doc = OpenApiCheck.parse(text);
      assertThat(doc.path("paths").size()).isGreaterThanOrEqualTo(20);
      assertThat(doc.path("paths").path("/v1/secrets/{name}").has("put")).isTrue();
      JsonNode setSecret =
          doc.path("components").path("schemas").path("nexus.controlplane.v1.SetSecretRequest");
      assertThat(setSecret.path("properties").path("name").path("pattern").asText())
          .isEqualTo("^[A-Za-z_][A-Za-z0-9_]{0,63}$");
      assertThat(setSecret.path("properties").path("value").path("minLength").asInt()).isEqualTo(1);

      // A PUT built from the document: its path template, its request schema's fields.
      var put =
          send(
              HttpRequest.newBuilder(
                      URI.create(cp.baseUrl() + "/v1/secrets/{name}".replace("{name}", "DOCS")))
                  .header("authorization", "Bearer " + admin)
                  .header("content-type", "application/json")
                  .PUT(HttpRequest.BodyPublishers.ofString("{\"value\": \"v\"}")));
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      assertThat(
              OpenApiCheck.responseProblems(
                  doc, "/v1/secrets/{name}", "put", OpenApiCheck.parse(put.body())))
          .isEmpty();

      // Every list route without path parameters, as the document describes its answer.
      List<String> lists = new java.util.ArrayList<>();
      doc.path("paths")
          .fields()
          .forEachRemaining(
              e -> {
                if (!e.getKey().contains("{")
                    && !e.getKey().contains(":")
                    && e.getValue().has("get")) {
                  lists.add(e.getKey());
                }
              });
      assertThat(lists)
          .contains(
              "/v1/workflows",
              "/v1/secrets",
              "/v1/egressPolicy",
              "/v1/apiKeys",
              "/v1/telemetry/traces");
      for (String path : lists) {
        var got =
            send(
                HttpRequest.newBuilder(URI.create(cp.baseUrl() + path))
                    .header("authorization", "Bearer " + admin));
        assertThat(got.statusCode()).as(path + ": " + got.body()).isEqualTo(200);
        assertThat(OpenApiCheck.responseProblems(doc, path, "get", OpenApiCheck.parse(got.body())))
            .as(path)
            .isEmpty();
      }
    }
  }
}
