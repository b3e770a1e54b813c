package io.nexusmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.sidecar.manifest.ManifestParser;
import io.nexusmesh.sidecar.manifest.PanelManifest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each template {@code nexus panel init} writes runs as written, with nothing installed: its server
 * starts, its manifest passes the sidecar's checks, its tools answer, and it refuses a caller
 * without its sidecar's app token.
 */
class PanelTemplatesTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path work;

  @ParameterizedTest
  @ValueSource(strings = {"python", "node", "java"})
  void theTemplateRunsAndKeepsTheContract(String lang) throws Exception {
    int exit =
        NexusCli.commandLine()
            .execute("panel", "init", "--lang", lang, "--into", work.toString(), "demo-" + lang);
    assertThat(exit).isZero();
    Path dir = work.resolve("demo-" + lang);
    assertThat(Files.readString(dir.resolve("panel.yaml"))).contains("name: demo-" + lang);
    PanelFile panel = PanelFile.read(dir);

    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String command =
        lang.equals("java")
            ? panel
                .command()
                .replaceFirst(
                    "^java ", Path.of(System.getProperty("java.home"), "bin", "java") + " ")
            : panel.command();
    ProcessBuilder builder =
        new ProcessBuilder("/bin/sh", "-c", "exec " + command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.log").toFile());
    builder.environment().put("PORT", Integer.toString(port));
    builder.environment().put("NEXUS_APP_TOKEN", "token-" + lang);
    Process server = builder.start();
    try {
      String base = "http://127.0.0.1:" + port;
      HttpResponse<String> manifest = awaitManifest(base, "token-" + lang);
      PanelManifest parsed = ManifestParser.parse(manifest.body().getBytes());
      assertThat(parsed.state()).as(parsed.message()).isEqualTo(ManifestState.MANIFEST_STATE_READY);
      assertThat(parsed.tools()).extracting(t -> t.getName()).containsExactly("greet", "add");

      assertThat(
              execute(
                      base,
                      "token-" + lang,
                      "{\"tool\": \"greet\", \"arguments\": {\"name\": \"Ada\"}}")
                  .body())
          .contains("Hello, Ada!");
      assertThat(
              execute(
                      base,
                      "token-" + lang,
                      "{\"tool\": \"add\", \"arguments\": {\"a\": 2, \"b\": 3}}")
                  .body())
          .contains("5");
      assertThat(
              execute(base, "token-" + lang, "{\"tool\": \"nope\", \"arguments\": {}}")
                  .statusCode())
          .isEqualTo(404);
      assertThat(
              execute(base, "wrong", "{\"tool\": \"greet\", \"arguments\": {\"name\": \"x\"}}")
                  .statusCode())
          .isEqualTo(403);
    } finally {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly().waitFor();
    }
  }

  private static HttpResponse<String> awaitManifest(String base, String token) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        var response =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/manifest"))
                    .header("X-Nexus-App-Token", token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return response;
        }
      } catch (java.io.IOException e) {
        if (System.nanoTime() > until) {
          throw e;
        }
      }
      Thread.sleep(200);
    }
  }

  private static HttpResponse<String> execute(String base, String token, String body)
      throws Exception {
    // A client of its own per call: a POST is never retried, and a pooled connection the template
    // server has just closed as idle failed once in CI ("header parser received no bytes").
    try (HttpClient fresh = HttpClient.newHttpClient()) {
      return send(fresh, base, token, body);
    }
  }

  private static HttpResponse<String> send(
      HttpClient client, String base, String token, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + "/mcp/execute"))
            .header("X-Nexus-App-Token", token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
