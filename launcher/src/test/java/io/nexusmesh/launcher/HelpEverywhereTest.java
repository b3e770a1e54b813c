package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command and command group of {@code nexus}, {@code dev} included, answers {@code --help}
 * with its usage and exit code 0 (it used to print "Unknown option: '--help'" first), and {@code
 * --version} names the build.
 */
class HelpEverywhereTest {
  private static List<List<String>> paths(CommandLine command, List<String> prefix) {
    List<List<String>> out = new ArrayList<>();
    out.add(prefix);
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              // Aliases point at the same command: visit each command once, by its name.
              if (name.equals(sub.getCommandName())) {
                List<String> path = new ArrayList<>(prefix);
                path.add(name);
                out.addAll(paths(sub, path));
              }
            });
    return out;
  }

  @Test
  void everyCommandAnswersHelp() {
    List<List<String>> all = paths(Nexus.commandLine(), List.of());
    assertThat(all).hasSizeGreaterThan(30).contains(List.of("dev", "token"), List.of("egress"));
    for (List<String> path : all) {
      CommandLine cli = Nexus.commandLine();
      var out = new StringWriter();
      var err = new StringWriter();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(err));
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      int exit = cli.execute(args.toArray(String[]::new));
      assertThat(exit).as("nexus %s --help: %s", String.join(" ", path), err).isZero();
      assertThat(err.toString()).as(String.join(" ", path)).isEmpty();
      assertThat(out.toString())
          .as(String.join(" ", path))
          .startsWith("Usage: nexus" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
    }
  }

  @Test
  void versionNamesTheBuildAndTheJava() {
    CommandLine cli = Nexus.commandLine();
    var out = new StringWriter();
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute("--version")).isZero();
    assertThat(out.toString()).matches("(?s)nexus \\d+\\.\\d+\\.\\d+.*\\nJava \\d+.*");
  }
}
