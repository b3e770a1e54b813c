package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusmesh.testing.OpenApiCheck;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's {@code /openapi.json}: valid OpenAPI 3.1 for the npm validator, with the
 * operations, constraints and security REST users need, and requests built from it get answers that
 * match its response schemas.
 */
@ExtendWith(RedisExtension.class)
class OpenApiTest {
  // HTTP/1.1: the JDK client's h2c upgrade once lost the connection mid-document (EOF while
  // reading the document); the upgrade is not what this test is about.
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void theDocumentIsValidAndRequestsBuiltFromItGetTheAnswersItDescribes(RedisEndpoint redis)
      throws Exception {
    try (var gateway = GatewayHarness.start(redis)) {
      String org = GatewayHarness.newOrg();
      gateway.deploy(
          org,
          "hello",
          "{\"nodes\": [{\"id\": \"g\", \"transform\": {\"expression\": \"{'greeting': 'Hello, ' + input.name}\"}}]}");
      String text =
          http.send(
                  HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/openapi.json")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      OpenApiCheck.validateWithNpm(text);
      JsonNode doc = OpenApiCheck.parse(text);
      assertThat(doc.path("openapi").asText()).isEqualTo("3.1.0");
      assertThat(
              doc.path("components").path("securitySchemes").path("bearer").path("scheme").asText())
          .isEqualTo("bearer");
      JsonNode execute = doc.path("paths").path("/v1/workflows/{workflow}:execute").path("post");
      assertThat(execute.path("operationId").asText()).isEqualTo("ExecutionService_Execute");
      // protovalidate constraints became JSON Schema keywords.
      JsonNode request =
          doc.path("components").path("schemas").path("nexus.gateway.v1.ExecuteRequest");
      assertThat(request.path("properties").path("requestId").path("maxLength").asInt())
          .isEqualTo(64);
      assertThat(request.path("properties").path("workflow").path("pattern").asText())
          .startsWith("^");
      assertThat(execute.path("responses").path("default").path("content").toString())
          .contains("google.rpc.Status");

      // Requests built from the document: the path template filled in, the body of the schema.
      String path = "/v1/workflows/{workflow}:execute";
      var response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(gateway.baseUrl() + path.replace("{workflow}", "hello")))
                  .header("authorization", "Bearer " + gateway.apiKey(org))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"input\": {\"name\": \"Ada\"}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(
              OpenApiCheck.responseProblems(doc, path, "post", OpenApiCheck.parse(response.body())))
          .isEmpty();
      String executionId = OpenApiCheck.parse(response.body()).path("executionId").asText();
      for (String list : new String[] {"/v1/executions", "/v1/executions/{id}", "/v1/sessions"}) {
        var got =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + list.replace("{id}", executionId)))
                    .header("authorization", "Bearer " + gateway.apiKey(org))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(got.statusCode()).as(list + ": " + got.body()).isEqualTo(200);
        assertThat(OpenApiCheck.responseProblems(doc, list, "get", OpenApiCheck.parse(got.body())))
            .as(list)
            .isEmpty();
      }
      // An error matches the error schema too.
      var missing =
          http.send(
              HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/executions/nope"))
                  .header("authorization", "Bearer " + gateway.apiKey(org))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(OpenApiCheck.parse(missing.body()).path("grpc-code").asText())
          .isEqualTo("NOT_FOUND");
    }
  }
}
