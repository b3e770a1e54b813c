package io.nexusmesh.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checks a component's {@code /openapi.json}: against the official OpenAPI 3.1 schemas with the npm
 * validator the build installs ({@code proto/openapi-validate.mjs}, run with {@code node}), and
 * response bodies against the schemas the document gives them.
 */
public final class OpenApiCheck {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry SCHEMAS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  private OpenApiCheck() {}

  /** Fails unless {@code document} is a valid OpenAPI document. */
  public static void validateWithNpm(String document) throws IOException, InterruptedException {
    Path script = RepositoryRoot.find().resolve("proto/openapi-validate.mjs");
    Path file = Files.createTempFile("openapi", ".json");
    Files.writeString(file, document, StandardCharsets.UTF_8);
    try {
      Process node =
          new ProcessBuilder("node", script.toString(), file.toString())
              .directory(script.getParent().toFile())
              .redirectErrorStream(true)
              .start();
      String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!node.waitFor(60, TimeUnit.SECONDS)) {
        node.destroyForcibly();
        throw new AssertionError("the OpenAPI validator did not finish within 60 s");
      }
      if (node.exitValue() != 0 || !output.contains("valid OpenAPI 3.1")) {
        throw new AssertionError("the npm OpenAPI validator refused the document:\n" + output);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The problems of {@code body} against the 200 response schema of {@code verb path}. */
  public static List<String> responseProblems(
      JsonNode document, String path, String verb, JsonNode body) {
    JsonNode schema =
        document
            .path("paths")
            .path(path)
            .path(verb)
            .path("responses")
            .path("200")
            .path("content")
            .path("application/json")
            .path("schema");
    if (schema.isMissingNode()) {
      throw new AssertionError(verb + " " + path + " is not in the document");
    }
    ObjectNode standalone = schema.deepCopy();
    standalone.set("components", document.path("components"));
    return SCHEMAS.getSchema(standalone).validate(body).stream().map(Object::toString).toList();
  }

  /** The document as a tree. */
  public static JsonNode parse(String document) throws IOException {
    return JSON.readTree(document);
  }
}
