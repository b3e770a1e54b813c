package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexusmesh.testing.KeycloakExtension;
import io.nexusmesh.testing.KeycloakServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console's production sign-in: a control plane trusting the test Keycloak's {@code nexus}
 * realm serves the console, and {@code clients/web/e2e/keycloak-signin.e2e.mjs} (playwright-core
 * driving Debian's {@code chromium}) signs in through Keycloak's login page by authorization code +
 * PKCE (client {@code nexus-console}), loads the org's workflows over gRPC-Web with that token and
 * signs out. Start-up: Keycloak (once per run), then the control plane, then the browser.
 */
@ExtendWith(KeycloakExtension.class)
class KeycloakConsoleIT {
  @Test
  void aKeycloakUserSignsInToTheConsoleWithPkce(KeycloakServer keycloak) throws Exception {
    try (ControlPlaneHarness cp =
        ControlPlaneHarness.start(
            "nexus.control-plane.dev-issuer=false",
            "nexus.control-plane.oidc.issuer=" + keycloak.issuer("nexus"))) {
      Path web = Path.of("").toAbsolutePath().getParent().resolve("clients/web");
      Path log = Files.createTempFile("keycloak-console", ".log");
      ProcessBuilder browser =
          new ProcessBuilder("node", "e2e/keycloak-signin.e2e.mjs")
              .directory(web.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      browser.environment().put("NEXUS_CONSOLE_URL", "http://127.0.0.1:" + cp.port + "/console/");
      browser.environment().put("KEYCLOAK_USER", "alice");
      browser.environment().put("KEYCLOAK_PASSWORD", "alice-password");
      browser
          .environment()
          .put(
              "NEXUS_SCREENSHOTS",
              Path.of("target/console-screenshots").toAbsolutePath().toString());
      Process run = browser.start();
      boolean finished = run.waitFor(180, TimeUnit.SECONDS);
      if (!finished) {
        run.destroyForcibly();
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(finished).as("the browser run did not finish: %s", output).isTrue();
      assertThat(run.exitValue()).as(output).isZero();
      assertThat(output).contains("signed in as alice").contains("keycloak sign-in passed");
    }
  }
}
