package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The newcomer path driven from outside, every command a separate process: {@code ./nexus dev} on
 * ports of its own (set through the environment, as a user moves them), then the CLI against it
 * (run, apply, deploy and watch, keys, errors and their exit codes), the messages for a port in
 * use, a second stack on the same home and a missing JDK, and last a {@code kill -9} and restart
 * that keeps every workflow and execution.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevStackIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path home;
  static Map<String, String> ports;
  static NexusProcess nexus;

  @BeforeAll
  static void start() throws Exception {
    ports = NexusProcess.freeDevPorts();
    nexus = new NexusProcess(home, ports);
    nexus.startDev();
  }

  @AfterAll
  static void stop() throws Exception {
    // Ctrl-C (SIGTERM here) stops everything cleanly.
    nexus.stopDev();
    assertThat(nexus.devOutput()).contains("Stopping Nexus Mesh", "Stopped.");
    assertThat(Ports.isFree(Integer.parseInt(ports.get("NEXUS_DEV_REDIS_PORT")))).isTrue();
  }

  @Test
  @Order(1)
  void runPrintsTheOutputOfTheSeededHello() throws Exception {
    var result = nexus.nexus("run", "hello", "--input", "{\"name\": \"Ada\"}");
    assertThat(result.exit()).as(result.all()).isZero();
    assertThat(result.stdout()).contains("\"greeting\": \"Hello, Ada!\"");

    // With no credentials in the environment and no context saved, the dev stack's are used.
    Path input = home.resolve("input.json");
    Files.writeString(input, "{\"name\": \"File\"}");
    var bare = nexus.nexusWith(Map.of(), "run", "hello", "--input", "@" + input);
    assertThat(bare.exit()).as(bare.all()).isZero();
    assertThat(bare.stdout()).contains("Hello, File!");

    // In a session (opened here over REST, as any channel may): the run joins its history.
    var credentials = io.nexusmesh.cli.EnvFile.read(home.resolve("dev").resolve("env"));
    var http = io.nexusmesh.testing.TestHttp.client();
    String gateway = credentials.get("NEXUS_GATEWAY_URL");
    JsonNode session =
        JSON.readTree(
            http.send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(gateway + "/v1/sessions"))
                        .header("authorization", "Bearer " + credentials.get("NEXUS_API_KEY"))
                        .header("content-type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body());
    var inSession =
        nexus.nexus(
            "run",
            "hello",
            "--input",
            "{\"name\": \"S\"}",
            "--session",
            session.path("id").asText());
    assertThat(inSession.exit()).as(inSession.all()).isZero();
    JsonNode after =
        JSON.readTree(
            http.send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(
                                gateway + "/v1/sessions/" + session.path("id").asText()))
                        .header("authorization", "Bearer " + credentials.get("NEXUS_API_KEY"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body());
    assertThat(after.path("executionIds")).hasSize(1);

    var watched = nexus.nexus("run", "hello", "--input", "{\"name\": \"Bo\"}", "--watch");
    assertThat(watched.exit()).as(watched.all()).isZero();
    assertThat(watched.stderr()).contains("greet started (attempt 1)", "greet completed");
    assertThat(watched.stdout()).contains("Hello, Bo!");

    // The gateway reports what it ran with its next heartbeat (10 s); the control plane sums it.
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                nexus
                    .nexus("gateways", "usage", "--since", "1h", "-o", "json")
                    .stdout()
                    .matches("(?s).*\"workflowId\"\\s*:\\s*\"hello\".*"));
    assertOneLineError(nexus.nexus("gateways", "usage", "--since", "soon"), 3, "--since");
  }

  @Test
  @Order(1)
  void aCliRunIsOneTraceThatTheDevStackKeepsAndShows() throws Exception {
    assertThat(nexus.devOutput())
        .contains("traces         http://127.0.0.1:" + ports.get("NEXUS_DEV_OTLP_PORT"));
    String traceId = java.util.UUID.randomUUID().toString().replace("-", "");
    String callerSpan = "b7ad6b7169203331";
    var result =
        nexus.nexusWith(
            Map.of("TRACEPARENT", "00-" + traceId + "-" + callerSpan + "-01"),
            "run",
            "hello",
            "--input",
            "{\"name\": \"Tracy\"}");
    assertThat(result.exit()).as(result.all()).isZero();
    var credentials = io.nexusmesh.cli.EnvFile.read(home.resolve("dev").resolve("env"));
    var http = io.nexusmesh.testing.TestHttp.client();
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(
                    credentials.get("NEXUS_CONTROL_PLANE_URL") + "/v1/telemetry/traces/" + traceId))
            .header("authorization", "Bearer " + credentials.get("NEXUS_TOKEN"))
            .build();
    // Each part of the stack exports in batches: the run's span comes within a second or so.
    JsonNode spans =
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  var response =
                      http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
                  return response.statusCode() == 200
                      ? JSON.readTree(response.body()).path("spans")
                      : JSON.missingNode();
                },
                list -> list.toString().contains("\"execute hello\""));
    // The gateway's span of the CLI's call is the child of the caller's; the run and its step
    // follow under it, all named for org demo.
    JsonNode call =
        java.util.stream.StreamSupport.stream(spans.spliterator(), false)
            .filter(s -> s.path("parentSpanId").asText().equals(callerSpan))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no span under the caller's: " + spans));
    assertThat(call.path("service").asText()).isEqualTo("nexus-gateway");
    assertThat(call.path("attributes").path("nexus.org").asText()).isEqualTo("demo");
    assertThat(spans.toString()).contains("\"step greet\"");
  }

  @Test
  @Order(2)
  void errorsAreOneLineWithAnExitCodePerKind() {
    assertOneLineError(nexus.nexus("run", "hello", "--input", "{}"), 3, "input.name");
    assertOneLineError(nexus.nexus("run", "nope"), 5, "nope");
    assertOneLineError(nexus.nexus("workflows", "get", "Not_Valid"), 3, "id");
    assertOneLineError(nexus.nexus("workflows", "list", "--token", "not-a-token"), 4, "");
    assertOneLineError(
        nexus.nexus(
            "workflows",
            "list",
            "--control-plane",
            "http://127.0.0.1:" + NexusProcess.freePort(),
            "--timeout",
            "3"),
        7,
        "unreachable");
    assertOneLineError(nexus.nexus("run", "hello", "--input", "not json"), 3, "JSON");
    var usage = nexus.nexus("run");
    assertThat(usage.exit()).isEqualTo(2);
  }

  @Test
  @Order(3)
  void applyCreatesAVersionOnlyWhenTheSpecChangedAndDeployWatchesTheRollout() throws Exception {
    Path changed = home.resolve("hello.yaml");
    Files.writeString(
        changed,
        Files.readString(NexusProcess.ROOT.resolve("examples/hello.yaml"))
            .replace("'Hello, '", "'Hi, '"));
    var created = nexus.nexus("workflows", "apply", "-f", changed.toString());
    assertThat(created.exit()).as(created.all()).isZero();
    assertThat(created.stdout()).contains("created version 2");
    var again = nexus.nexus("workflows", "apply", "-f", changed.toString());
    assertThat(again.stdout()).contains("unchanged (version 2)");

    var deploy = nexus.nexus("deploy", "create", "hello", "--watch");
    assertThat(deploy.exit()).as(deploy.all()).isZero();
    assertThat(deploy.stdout()).contains("ACTIVE", "gw-dev=ACTIVE");
    var run = nexus.nexus("run", "hello", "--input", "{\"name\": \"Ada\"}");
    assertThat(run.stdout()).contains("Hi, Ada!");

    JsonNode versions =
        JSON.readTree(nexus.nexus("workflows", "versions", "hello", "-o", "json").stdout());
    assertThat(versions).hasSize(2);
    for (JsonNode version : versions) {
      assertThat(version.path("spec").toString())
          .contains(version.path("version").asText().equals("2") ? "Hi, " : "Hello, ");
    }
  }

  @Test
  @Order(4)
  void promoteRollbackCancelAndTheAuditTrail() throws Exception {
    JsonNode deployments =
        JSON.readTree(nexus.nexus("deploy", "list", "--workflow", "hello", "-o", "json").stdout());
    String active = null;
    for (JsonNode d : deployments) {
      if (d.path("state").asText().equals("ROLLOUT_STATE_ACTIVE")) {
        active = d.path("id").asText();
      }
    }
    assertThat(active).as(deployments.toString()).isNotNull();
    var promoted = nexus.nexus("deploy", "promote", active, "--to", "staging", "-o", "json");
    assertThat(promoted.exit()).as(promoted.all()).isZero();
    assertThat(JSON.readTree(promoted.stdout()).path("environment").asText())
        .isEqualTo("ENVIRONMENT_STAGING");

    var rolledBack = nexus.nexus("deploy", "rollback", active, "-o", "json");
    assertThat(rolledBack.exit()).as(rolledBack.all()).isZero();
    assertThat(JSON.readTree(rolledBack.stdout()).path("version").asText()).isEqualTo("1");
    awaitRunPrints("Hello, Ci!");

    // A canary of version 2 beside version 1, shown with its figures, then aborted by hand.
    var canary =
        nexus.nexus("deploy", "create", "hello", "--version", "2", "--canary", "50", "-o", "json");
    assertThat(canary.exit()).as(canary.all()).isZero();
    JsonNode canaryJson = JSON.readTree(canary.stdout());
    assertThat(canaryJson.path("canary").path("state").asText()).isEqualTo("CANARY_STATE_RUNNING");
    String canaryId = canaryJson.path("id").asText();
    assertThat(nexus.nexus("deploy", "status", canaryId).stdout()).contains("50% RUNNING", "v1 ");
    var aborted =
        nexus.nexus("deploy", "abort-canary", canaryId, "--reason", "checked enough", "-o", "json");
    assertThat(aborted.exit()).as(aborted.all()).isZero();
    assertThat(JSON.readTree(aborted.stdout()).path("version").asText()).isEqualTo("1");
    var late = nexus.nexus("deploy", "promote-canary", canaryId);
    assertThat(late.exit()).isNotZero();
    assertThat(late.stderr()).contains("not running");
    awaitRunPrints("Hello, Ci!");

    String id =
        nexus
            .nexus("run", "approval", "--input", "{\"request\": \"x\"}", "--detach")
            .stdout()
            .strip();
    assertThat(nexus.nexus("executions", "cancel", id, "--reason", "changed my mind").exit())
        .isZero();
    var watched = nexus.nexus("executions", "watch", id);
    assertThat(watched.exit()).isEqualTo(1);
    assertThat(watched.stderr()).contains("ended CANCELLED", "changed my mind");

    var audit = nexus.nexus("audit", "list", "--limit", "20");
    assertThat(audit.stdout()).contains("RollbackDeployment", "PromoteDeployment", "dev-admin");
  }

  @Test
  @Order(5)
  void auditTailFollowsChangesAsTheyHappen() throws Exception {
    try (var tail =
        nexus.follow(
            "audit", "tail", "--action", "nexus.controlplane.v1.ApiKeyService/CreateApiKey")) {
      tail.awaitLine("following the audit trail");
      assertThat(nexus.nexus("keys", "create", "tailed").exit()).isZero();
      assertThat(tail.awaitLine("CreateApiKey")).contains("dev-admin", "SUCCEEDED");
    }
  }

  @Test
  @Order(6)
  void devTokenMintsForAnyOrgAndRoleAndCompletionIsAScript() throws Exception {
    var token = nexus.nexus("dev", "token", "--org", "acme", "--role", "viewer");
    assertThat(token.exit()).as(token.all()).isZero();
    JsonNode claims =
        JSON.readTree(
            java.util.Base64.getUrlDecoder().decode(token.stdout().strip().split("\\.")[1]));
    assertThat(claims.path("org").asText()).isEqualTo("acme");
    assertThat(claims.path("realm_access").path("roles").toString()).contains("viewer");
    // A viewer of another org sees none of demo's workflows.
    var listed = nexus.nexus("workflows", "list", "--token", token.stdout().strip(), "-o", "json");
    assertThat(listed.exit()).as(listed.all()).isZero();
    assertThat(listed.stdout().strip()).isEqualTo("[ ]");

    var completion = nexus.nexus("generate-completion");
    assertThat(completion.stdout()).contains("complete -F", "workflows", "deploy");
  }

  @Test
  @Order(7)
  void aKeyCreatedWithTheCliRunsWorkflowsUntilItIsRevoked() throws Exception {
    JsonNode created = JSON.readTree(nexus.nexus("keys", "create", "ci", "-o", "json").stdout());
    String secret = created.path("secret").asText();
    String id = created.path("apiKey").path("id").asText();
    assertThat(secret).startsWith("nxk_");
    // Gateways learn of new and revoked keys from the next deployment push.
    awaitExitCode(0, "run", "hello", "--api-key", secret);
    assertThat(nexus.nexus("keys", "list").stdout()).contains(id, "ci");

    assertThat(nexus.nexus("keys", "revoke", id).stdout()).contains("REVOKED");
    awaitExitCode(4, "run", "hello", "--api-key", secret);
  }

  @Test
  @Order(8)
  void aWorkflowReachesALocalServiceOnlyOnceAllowedAndUsesASecretItNeverShows() throws Exception {
    var seen = new java.util.concurrent.CopyOnWriteArrayList<String>();
    var server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/echo",
        exchange -> {
          String auth = exchange.getRequestHeaders().getFirst("authorization");
          seen.add(auth);
          byte[] body =
              JSON.writeValueAsBytes(java.util.Map.of("authorization", auth == null ? "" : auth));
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try {
      int port = server.getAddress().getPort();
      assertThat(nexus.nexus("egress", "show").stdout()).contains("default policy");
      assertThat(nexus.devOutput())
          .contains("Egress of org demo", "./nexus egress allow 127.0.0.1:8089");
      Path spec = home.resolve("echo.yaml");
      Files.writeString(
          spec,
          """
          id: call-echo
          description: Calls a local echo service with a secret
          spec:
            nodes:
              - id: call
                retry: {maxAttempts: 1}
                http:
                  url: "http://127.0.0.1:%d/echo"
                  headers: {Authorization: "Bearer {{secrets.ECHO_TOKEN}}"}
          """
              .formatted(port));
      assertThat(nexus.nexus("workflows", "apply", "-f", spec.toString()).exit()).isZero();
      var deployed = nexus.nexus("deploy", "create", "call-echo", "--watch");
      assertThat(deployed.exit()).as(deployed.all()).isZero();

      // Refused by the default policy, with the command that allows it.
      var refused = nexus.nexus("run", "call-echo");
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.stderr())
          .contains("egress refused", "nexus egress allow 127.0.0.1:" + port);
      assertThat(seen).isEmpty();

      String value = "cli-secret-" + java.util.UUID.randomUUID();
      var set = nexus.nexusWithInput(value + "\n", "secrets", "set", "ECHO_TOKEN");
      assertThat(set.exit()).as(set.all()).isZero();
      assertThat(set.all()).doesNotContain(value);
      var allowed = nexus.nexus("egress", "allow", "127.0.0.1:" + port, "--why", "local echo");
      assertThat(allowed.exit()).as(allowed.all()).isZero();
      assertThat(allowed.stdout()).contains("127.0.0.1:" + port, "local echo");

      awaitExitCode(0, "run", "call-echo");
      var run = nexus.nexus("run", "call-echo");
      assertThat(run.stdout()).contains("[redacted:secrets.ECHO_TOKEN]").doesNotContain(value);
      assertThat(seen).contains("Bearer " + value);
      var listed = nexus.nexus("secrets", "list", "-o", "json");
      assertThat(listed.stdout()).contains("ECHO_TOKEN").doesNotContain(value);

      assertThat(nexus.nexus("secrets", "delete", "ECHO_TOKEN").exit()).isZero();
      assertThat(nexus.nexus("egress", "remove", "127.0.0.1:" + port).stdout())
          .contains("default policy");
      assertThat(nexus.devOutput()).doesNotContain(value);
    } finally {
      server.stop(0);
    }
  }

  @Test
  @Order(9)
  void aSecondGatewayJoinsTheDevStackWithAServiceTokenFromTheCli() throws Exception {
    var token = nexus.nexus("dev", "token", "--service", "gateway", "--gateway-id", "gw-2");
    assertThat(token.exit()).as(token.all()).isZero();
    String port = Integer.toString(NexusProcess.freePort());
    String controlPlane = "http://127.0.0.1:" + ports.get("NEXUS_CONTROL_PLANE_PORT");
    try (var gateway =
        nexus.followWith(
            Map.of(
                "NEXUS_GATEWAY_ID",
                "gw-2",
                "NEXUS_GATEWAY_PORT",
                port,
                "NEXUS_GATEWAY_TOKEN",
                token.stdout().strip(),
                "NEXUS_REDIS_URL",
                "redis://127.0.0.1:" + ports.get("NEXUS_DEV_REDIS_PORT"),
                "NEXUS_CONTROL_PLANE_URL",
                controlPlane,
                "NEXUS_OIDC_ISSUER",
                controlPlane + "/dev-issuer"),
            "gateway")) {
      gateway.awaitLine("gateway gw-2 serving on port " + port);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> nexus.nexus("gateways", "list").stdout().contains("gw-2"));
      assertThat(nexus.nexus("gateways", "list").stdout()).contains("gw-2", "HEALTHY");
      // The control plane pushed it the dev deployments: it runs hello itself.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  nexus
                      .nexus(
                          "run",
                          "hello",
                          "--gateway",
                          "http://127.0.0.1:" + port,
                          "--input",
                          "{\"name\": \"Two\"}")
                      .stdout()
                      .contains("Two"));
    }
  }

  @Test
  @Order(10)
  void aSecondStackExplainsWhatIsInTheWay(@TempDir Path otherHome) throws Exception {
    try (var other = new NexusProcess(otherHome, ports)) {
      var portTaken = other.nexus("dev");
      assertThat(portTaken.exit()).isEqualTo(1);
      assertThat(portTaken.all())
          .contains("port " + ports.get("NEXUS_CONTROL_PLANE_PORT") + " (control plane) is in use")
          .doesNotContain("Exception");
    }
    var sameHome = nexus.nexus("dev");
    assertThat(sameHome.exit()).isEqualTo(1);
    assertThat(sameHome.all()).contains("another `nexus dev` is running");
  }

  @Test
  @Order(11)
  void aMissingJdkIsExplained(@TempDir Path fakeJdk) throws Exception {
    var none = nexus.nexusWith(Map.of("NEXUS_JDK_CANDIDATES", "/nonexistent"), "--version");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.stderr()).contains("needs a JDK 21 or newer", "adoptium");

    // A JDK 17: found, but too old.
    Files.createDirectories(fakeJdk.resolve("bin"));
    for (String tool : new String[] {"java", "javac"}) {
      Path script = fakeJdk.resolve("bin").resolve(tool);
      Files.writeString(script, "#!/bin/sh\necho 'openjdk version \"17.0.2\" 2022-01-18' >&2\n");
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    var old = nexus.nexusWith(Map.of("NEXUS_JDK_CANDIDATES", fakeJdk.toString()), "--version");
    assertThat(old.exit()).isEqualTo(1);
    assertThat(old.stderr()).contains("needs a JDK 21 or newer");
  }

  @Test
  @Order(12)
  void loginDevSavesAContextThatCommandsUseWithoutCredentialsInTheEnvironment() {
    var login = nexus.nexusWith(Map.of(), "login", "--dev");
    assertThat(login.exit()).as(login.all()).isZero();
    assertThat(login.stdout()).contains("context 'dev' saved");
    assertThat(nexus.nexusWith(Map.of(), "config", "get-contexts").stdout()).contains("*  dev");
    var listed = nexus.nexusWith(Map.of(), "workflows", "list", "-o", "yaml");
    assertThat(listed.exit()).as(listed.all()).isZero();
    assertThat(listed.stdout()).contains("id: hello", "id: approval");
  }

  @Test
  @Order(13)
  void aKilledStackRestartsWithItsDataAndClearsWhatItLeftBehind() throws Exception {
    String before =
        nexus
            .nexus("run", "approval", "--input", "{\"request\": \"ship\"}", "--detach")
            .stdout()
            .strip();
    assertThat(before).hasSizeGreaterThan(10);
    nexus.killDev();

    nexus.startDev();
    assertThat(nexus.devOutput()).contains("stopping the redis-server");
    assertThat(nexus.nexus("workflows", "versions", "hello").stdout())
        .contains("seeded by nexus dev");
    JsonNode versions =
        JSON.readTree(nexus.nexus("workflows", "versions", "hello", "-o", "json").stdout());
    assertThat(versions).hasSize(2);
    // The execution started before the kill waits on, and finishes when signalled.
    var signal =
        nexus.nexus("executions", "signal", before, "approved", "--payload", "{\"by\": \"Grace\"}");
    assertThat(signal.exit()).as(signal.all()).isZero();
    var watched = nexus.nexus("executions", "watch", before);
    assertThat(watched.exit()).as(watched.all()).isZero();
    assertThat(watched.stdout()).contains("\"approvedBy\": \"Grace\"");
  }

  private static void awaitRunPrints(String text) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                nexus
                    .nexus("run", "hello", "--input", "{\"name\": \"Ci\"}")
                    .stdout()
                    .contains(text));
  }

  private static void awaitExitCode(int exit, String... args) {
    String[] withInput = java.util.Arrays.copyOf(args, args.length + 2);
    withInput[args.length] = "--input";
    withInput[args.length + 1] = "{\"name\": \"Ci\"}";
    await().atMost(Duration.ofSeconds(30)).until(() -> nexus.nexus(withInput).exit() == exit);
  }

  private static void assertOneLineError(NexusProcess.Result result, int exit, String mentions) {
    assertThat(result.exit()).as(result.all()).isEqualTo(exit);
    assertThat(result.stderr()).startsWith("error: ").contains(mentions);
    assertThat(result.stderr().strip().lines()).as(result.stderr()).hasSizeLessThanOrEqualTo(2);
    assertThat(result.stderr()).doesNotContain("Exception", "\tat ");
  }
}
