package io.nexusmesh.launcher;

import io.nexusmesh.cli.NexusCli;
import org.slf4j.LoggerFactory;

/** What {@code ./nexus} runs: every CLI command, and {@code dev}. */
public final class Nexus {
  private Nexus() {}

  public static void main(String[] args) {
    boolean dev = args.length == 1 && args[0].equals("dev");
    configureLogging(dev);
    System.exit(commandLine().execute(args));
  }

  /** The whole {@code nexus} command line: the CLI's commands and {@code dev}. */
  static picocli.CommandLine commandLine() {
    var cli = NexusCli.commandLine();
    cli.addSubcommand("dev", new DevCommand());
    cli.addSubcommand("gateway", new GatewayCommand());
    return NexusCli.withHelpEverywhere(cli);
  }

  /**
   * CLI commands log only errors (to stderr); the dev stack logs to {@code $NEXUS_HOME/dev/logs}
   * and shows warnings. The component jars bring their own {@code logback.xml}, so the file is
   * named explicitly, then the property is cleared for Spring Boot, which is told through {@code
   * logging.config}.
   */
  private static void configureLogging(boolean dev) {
    if (dev) {
      System.setProperty(
          "nexus.dev.logs",
          DevSettings.fromEnvironment(System.getenv()).devDir().resolve("logs").toString());
    }
    System.setProperty(
        "logback.configurationFile", dev ? "nexus-dev-logback.xml" : "nexus-cli-logback.xml");
    LoggerFactory.getLogger(Nexus.class);
    System.clearProperty("logback.configurationFile");
  }
}
