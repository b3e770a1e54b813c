package io.nexusmesh.cli;

import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nexus config}: the contexts of {@code $NEXUS_HOME/config.yaml}. */
@Command(
    name = "config",
    description = "Show and switch the contexts saved by `nexus login`.",
    subcommands = {ConfigCommand.Contexts.class, ConfigCommand.Use.class})
final class ConfigCommand {
  @Command(name = "get-contexts", description = "List the contexts; * marks the current one.")
  static final class Contexts implements Callable<Integer> {
    @Override
    public Integer call() {
      CliConfig.File file = CliConfig.ofHome().read();
      System.out.printf("%-3s%-20s %-30s %s%n", "", "NAME", "CONTROL PLANE", "GATEWAY");
      file.contexts()
          .forEach(
              (name, c) ->
                  System.out.printf(
                      "%-3s%-20s %-30s %s%n",
                      Objects.equals(name, file.currentContext()) ? "*" : "",
                      name,
                      c.controlPlane(),
                      c.gateway()));
      return 0;
    }
  }

  @Command(name = "use-context", description = "Make a saved context the current one.")
  static final class Use implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      CliConfig config = CliConfig.ofHome();
      CliConfig.File file = config.read();
      if (!file.contexts().containsKey(name)) {
        throw new IllegalArgumentException("no context named '" + name + "' in " + config.path());
      }
      config.write(new CliConfig.File(name, file.contexts()));
      System.out.println("current context: " + name);
      return 0;
    }
  }
}
