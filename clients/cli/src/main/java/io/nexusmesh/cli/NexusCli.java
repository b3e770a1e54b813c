package io.nexusmesh.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nexus} command. {@link #commandLine()} builds it so that the launcher can add its
 * {@code dev} command; {@link #main} runs it without one.
 */
@Command(
    name = "nexus",
    mixinStandardHelpOptions = true,
    versionProvider = NexusCli.Version.class,
    description = "Nexus Mesh: run AI agent workflows durably, over gRPC, REST, gRPC-Web and MCP.",
    footer = {
      "",
      "Endpoints and credentials come from flags, then from NEXUS_CONTROL_PLANE_URL,",
      "NEXUS_GATEWAY_URL, NEXUS_TOKEN and NEXUS_API_KEY, then from the current context",
      "of $NEXUS_HOME/config.yaml (`nexus login`). After `./nexus dev`, run",
      "`source ~/.nexus/dev/env` and every command works without flags.",
      "",
      "Exit codes:",
      "  0 ok, 1 failed (e.g. the workflow's run failed), 2 usage, 3 invalid input,",
      "  4 not authenticated or not allowed, 5 not found, 6 conflict (exists, stale",
      "  etag), 7 server unreachable or too slow, 8 rate limited."
    },
    subcommands = {
      LoginCommand.class,
      WorkflowsCommand.class,
      DeployCommand.class,
      RunCommand.class,
      ChatCommand.class,
      SessionsCommand.class,
      ExecutionsCommand.class,
      KeysCommand.class,
      SecretsCommand.class,
      EgressCommand.class,
      PanelCommand.class,
      AuditCommand.class,
      GatewaysCommand.class,
      ConfigCommand.class,
      AutoComplete.GenerateCompletion.class
    })
public final class NexusCli {
  /** The command line of {@code nexus}, with its error handling; add commands before running. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new NexusCli());
    cli.setExecutionExceptionHandler(new Failures());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // `--input @file` is the command's own syntax, not picocli's argument files.
    cli.setExpandAtFiles(false);
    return withHelpEverywhere(cli);
  }

  /**
   * Gives every command and command group under {@code cli} the standard {@code --help} and {@code
   * --version} options. Done on the model rather than with picocli's inherited scope, because
   * inherited help options do not lift the check for required parameters ({@code nexus deploy
   * create --help} would complain that WORKFLOW is missing).
   */
  public static CommandLine withHelpEverywhere(CommandLine cli) {
    var spec = cli.getCommandSpec();
    if (spec.findOption("--version") != null && spec.findOption("--help") == null) {
      // Its own --version (e.g. `deploy create --version N`) wins; it gets --help alone.
      spec.addOption(
          CommandLine.Model.OptionSpec.builder("-h", "--help")
              .usageHelp(true)
              .description("Show this help message and exit.")
              .build());
    } else if (!spec.mixinStandardHelpOptions()) {
      spec.mixinStandardHelpOptions(true);
    }
    if (spec.versionProvider() == null) {
      spec.versionProvider(new Version());
    }
    cli.getSubcommands().values().forEach(NexusCli::withHelpEverywhere);
    return cli;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The build's version, written into {@code version.properties} by the Maven build. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws java.io.IOException {
      var properties = new java.util.Properties();
      try (var in = NexusCli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      }
      return new String[] {
        "nexus " + properties.getProperty("version", "unknown"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor", "?") + ")"
      };
    }
  }
}
