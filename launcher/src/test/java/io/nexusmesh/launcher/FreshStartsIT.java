package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeding path of {@code ./nexus dev}, as a newcomer meets it: started again and again with a
 * fresh {@code $NEXUS_HOME}, it comes up every time with an API key that works; and gateways that
 * registered with the stack and then died (their admin ports refuse connections), or a deployment
 * promoted to staging, do not hold up the next start. Prints each start's "ready in" time (a
 * figure, not an assertion).
 *
 * <p>Start-up order: each test starts {@code ./nexus dev} as a process on ports of its own, waits
 * for its env file, drives it with the CLI and HTTP, and stops it as Ctrl-C does.
 */
class FreshStartsIT {
  private static final Pattern READY = Pattern.compile("ready in ([0-9.]+) s");

  private final HttpClient http = io.nexusmesh.testing.TestHttp.client();

  @Test
  void freshHomesComeUpEveryTimeWithAWorkingKey(@TempDir Path homes) throws Exception {
    List<String> times = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      var nexus = new NexusProcess(Files.createDirectory(homes.resolve("home-" + i)), ports());
      nexus.startDev();
      try {
        var run = nexus.nexus("run", "hello", "--input", "{\"name\": \"Ada\"}");
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.stdout()).contains("Hello, Ada!");
        times.add(readyTime(nexus));
      } finally {
        stop(nexus);
      }
    }
    System.out.println("nexus dev with fresh homes was ready in " + times + " s");
  }

  @Test
  void deadGatewaysDoNotHoldUpTheNextStart(@TempDir Path home) throws Exception {
    Map<String, String> ports = ports();
    var nexus = new NexusProcess(home, ports);
    nexus.startDev();
    String controlPlane = "http://127.0.0.1:" + ports.get("NEXUS_CONTROL_PLANE_PORT");
    try (var closed = new ServerSocket(0)) {
      int deadPort = closed.getLocalPort();
      closed.close(); // nothing listens there any more: a gateway killed with SIGKILL
      for (String id : List.of("gw-dead-1", "gw-dead-2")) {
        var token =
            nexus.nexus(
                "dev",
                "token",
                "--org",
                "demo",
                "--role",
                "gateway",
                "--subject",
                "service-account-" + id);
        assertThat(token.exit()).as(token.all()).isZero();
        var registered =
            http.send(
                HttpRequest.newBuilder(URI.create(controlPlane + "/v1/gateways:register"))
                    .header("authorization", "Bearer " + token.stdout().strip())
                    .header("content-type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"gatewayId\": \""
                                + id
                                + "\", \"environment\": \"ENVIRONMENT_DEV\", \"adminEndpoint\":"
                                + " \"http://127.0.0.1:"
                                + deadPort
                                + "\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
      }
      // A deployment made while they still count as alive targets them too; promoted to staging,
      // it leaves a current deployment that no dev gateway serves.
      var deployed = nexus.nexus("deploy", "create", "hello", "-o", "json");
      assertThat(deployed.exit()).as(deployed.all()).isZero();
      String id = new ObjectMapper().readTree(deployed.stdout()).path("id").asText();
      var promoted = nexus.nexus("deploy", "promote", id, "--to", "staging");
      assertThat(promoted.exit()).as(promoted.all()).isZero();
    } finally {
      stop(nexus);
    }

    nexus.startDev();
    try {
      var run = nexus.nexus("run", "hello", "--input", "{\"name\": \"Grace\"}");
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.stdout()).contains("Hello, Grace!");
      System.out.println(
          "nexus dev with two dead gateways registered was ready in " + readyTime(nexus) + " s");
    } finally {
      stop(nexus);
    }
  }

  /**
   * Stops it as Ctrl-C does (SIGTERM here, so the exit code is 143) and checks it stopped whole.
   */
  private static void stop(NexusProcess nexus) throws InterruptedException {
    nexus.stopDev();
    assertThat(nexus.devOutput()).contains("Stopped.");
  }

  private static Map<String, String> ports() {
    return Map.of(
        "NEXUS_CONTROL_PLANE_PORT", Integer.toString(NexusProcess.freePort()),
        "NEXUS_GATEWAY_PORT", Integer.toString(NexusProcess.freePort()),
        "NEXUS_DEV_REDIS_PORT", Integer.toString(NexusProcess.freePort()),
        "NEXUS_XDS_PORT", Integer.toString(NexusProcess.freePort()),
        "NEXUS_DEV_KAFKA_PORT", Integer.toString(NexusProcess.freePortPair()));
  }

  private static String readyTime(NexusProcess nexus) {
    Matcher m = READY.matcher(nexus.devOutput());
    String last = "?";
    while (m.find()) {
      last = m.group(1);
    }
    return last;
  }
}
