package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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
 * The README's quickstart, run as written: starts {@code ./nexus dev} on its default ports (8080,
 * 9090, 6379, 9092: they must be free) with a fresh {@code NEXUS_HOME}, then runs every command
 * between the README's {@code quickstart:begin} and {@code quickstart:end} markers in one bash
 * session from the repository root. Each must exit 0 and print what its {@code # prints:} comment
 * says. So the README cannot drift from the product.
 */
class QuickstartIT {
  private static final Pattern SH_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
  private static final String PRINTS = "# prints:";
  private static final Pattern TRAILING_COMMENT = Pattern.compile("\\s{2,}#.*$");

  /** One command of the README and the text its output must contain ("" for none). */
  record Step(String command, String expected) {}

  @Test
  void everyQuickstartCommandWorksAsWritten(@TempDir Path home) throws Exception {
    List<Step> steps = steps(Files.readString(NexusProcess.ROOT.resolve("README.md")));
    assertThat(steps).hasSizeGreaterThan(10);
    try (var nexus = new NexusProcess(home, Map.of())) {
      nexus.startDev();
      NexusProcess.Result result = nexus.bash(script(steps));
      assertThat(result.exit())
          .as("quickstart script output:%n%s%nnexus dev:%n%s", result.all(), nexus.devOutput())
          .isZero();
      assertThat(result.stdout()).contains("QUICKSTART OK " + steps.size());
    }
  }

  static List<Step> steps(String readme) throws IOException {
    int begin = readme.indexOf("<!-- quickstart:begin -->");
    int end = readme.indexOf("<!-- quickstart:end -->");
    assertThat(begin).as("quickstart markers in README.md").isPositive().isLessThan(end);
    List<Step> steps = new ArrayList<>();
    Matcher blocks = SH_BLOCK.matcher(readme.substring(begin, end));
    while (blocks.find()) {
      for (String line : blocks.group(1).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int prints = line.indexOf(PRINTS);
        String expected = prints < 0 ? "" : line.substring(prints + PRINTS.length()).strip();
        // A comment is two or more spaces and a # after the command.
        steps.add(new Step(TRAILING_COMMENT.matcher(line).replaceFirst(""), expected));
      }
    }
    return steps;
  }

  /**
   * One bash script that runs the steps in order in one shell (so {@code source} and variables
   * carry over), stopping at the first that fails or does not print what it should.
   */
  static String script(List<Step> steps) {
    StringBuilder script = new StringBuilder("set -u\n");
    int n = 0;
    for (Step step : steps) {
      n++;
      String quoted = "'" + step.command().replace("'", "'\\''") + "'";
      boolean keepsState =
          step.command().startsWith("source ") || step.command().matches("^[a-z_]+=\\$\\(.*");
      if (keepsState) {
        // Run in this shell: what it sets is used by the next steps.
        script
            .append(step.command())
            .append(" || { echo \"FAILED step ")
            .append(n)
            .append(": \"")
            .append(quoted)
            .append("; exit 1; }\n");
        continue;
      }
      script.append("out=$( { ").append(step.command()).append(" ; } 2>&1 ); rc=$?\n");
      script
          .append("echo \"--- step ")
          .append(n)
          .append(" (exit $rc): \"")
          .append(quoted)
          .append("\n");
      script.append("echo \"$out\"\n");
      script.append("[ $rc -eq 0 ] || { echo \"FAILED step ").append(n).append("\"; exit 1; }\n");
      if (!step.expected().isEmpty()) {
        String expected = "'" + step.expected().replace("'", "'\\''") + "'";
        script
            .append("case \"$out\" in *")
            .append(expected)
            .append("*) ;; *) echo \"FAILED step ")
            .append(n)
            .append(": its output lacks \"")
            .append(expected)
            .append("; exit 1;; esac\n");
      }
    }
    script.append("echo QUICKSTART OK ").append(n).append("\n");
    return script.toString();
  }
}
