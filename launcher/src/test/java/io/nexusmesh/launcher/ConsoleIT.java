package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console end to end, in a real browser: starts {@code ./nexus dev} on free ports, takes
 * the sign-in link it prints, and runs {@code clients/web/e2e/console.e2e.mjs} (playwright-core
 * driving Debian's {@code chromium}, which {@code .ci/run} installs) against it: sign in from the
 * link, apply a workflow with an error and fix it, deploy it, run it and watch its timeline finish,
 * revoke a key and see it in the audit tail, talk to an agent, switch org, sign out. The
 * screenshots of every page land in {@code launcher/target/console-screenshots}.
 */
class ConsoleIT {
  private static final Pattern SIGN_IN_LINK =
      Pattern.compile("console\\s+(http://127\\.0\\.0\\.1:\\d+/console/\\?sign_in=\\S+)");

  @Test
  void aPersonDrivesTheConsoleInChromium(@TempDir Path home) throws Exception {
    Path screenshots = NexusProcess.ROOT.resolve("launcher/target/console-screenshots");
    if (Files.isDirectory(screenshots)) {
      try (var old = Files.list(screenshots)) {
        for (Path file : old.toList()) {
          Files.delete(file); // only this run's screenshots count
        }
      }
    }
    Files.createDirectories(screenshots);
    try (var nexus = new NexusProcess(home, NexusProcess.freeDevPorts())) {
      nexus.startDev();
      String link =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> signInLink(nexus.devOutput()), found -> !found.isEmpty());

      NexusProcess.Result run =
          nexus.bash(
              "cd clients/web && NEXUS_CONSOLE_URL='"
                  + link
                  + "' NEXUS_SCREENSHOTS='"
                  + screenshots
                  + "' node e2e/console.e2e.mjs");

      assertThat(run.exit())
          .as("console e2e:%n%s%nnexus dev:%n%s", run.all(), nexus.devOutput())
          .isZero();
      assertThat(run.stdout()).contains("all steps passed");
      for (String page :
          new String[] {
            "workflows",
            "workflow-editor-error",
            "workflow-versions",
            "deployments",
            "execution-running",
            "execution-finished",
            "api-keys-created",
            "audit",
            "session",
            "gateways",
            "panels",
            "executions-375",
            "other-org",
            "signed-out"
          }) {
        assertThat(screenshots.resolve(page + ".png")).isNotEmptyFile();
      }
    }
  }

  private static String signInLink(String devOutput) {
    Matcher link = SIGN_IN_LINK.matcher(devOutput);
    return link.find() ? link.group(1) : "";
  }
}
