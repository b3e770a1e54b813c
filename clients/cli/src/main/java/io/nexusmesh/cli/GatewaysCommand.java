package io.nexusmesh.cli;

import com.google.protobuf.util.Durations;
import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.WorkflowUsage;
import io.nexusmesh.client.NexusClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexus gateways}: the registered gateways. */
@Command(
    name = "gateways",
    aliases = "gw",
    description = "Show the gateways registered with the control plane and what they ran.",
    subcommands = {GatewaysCommand.ListGateways.class, GatewaysCommand.Usage.class})
final class GatewaysCommand {
  @Command(name = "list", aliases = "ls", description = "List gateways and their health.")
  static final class ListGateways extends ClientCommand {
    @Override
    int run(NexusClient client, Output out) {
      Map<String, Function<Gateway, String>> c = Output.columns();
      c.put("ID", Gateway::getId);
      c.put(
          "ENV",
          g -> Output.shortName(g.getEnvironment(), "ENVIRONMENT_").toLowerCase(Locale.ROOT));
      c.put("HEALTH", g -> Output.shortName(g.getHealth(), "GATEWAY_HEALTH_"));
      c.put("LAST HEARTBEAT", g -> Output.time(g.getLastHeartbeatTime()));
      c.put("VERSION", Gateway::getBuildVersion);
      c.put("ADMIN ENDPOINT", Gateway::getAdminEndpoint);
      out.list(client.gateways().list(), c);
      return 0;
    }
  }

  @Command(
      name = "usage",
      description =
          "Executions, steps and model tokens per workflow, as the gateways reported them.")
  static final class Usage extends ClientCommand {
    @Option(
        names = "--since",
        defaultValue = "24h",
        paramLabel = "DURATION",
        description = "How far back, e.g. 90m, 24h, 7d (default: ${DEFAULT-VALUE}).")
    String since;

    @Override
    int run(NexusClient client, Output out) {
      Instant to = Instant.now();
      Instant from = to.minus(duration(since));
      Map<String, Function<WorkflowUsage, String>> c = Output.columns();
      c.put("WORKFLOW", u -> u.getWorkflowId().isEmpty() ? "(agents)" : u.getWorkflowId());
      c.put("EXECUTIONS", u -> Long.toString(u.getExecutions()));
      c.put("STEPS", u -> Long.toString(u.getNodeRuns()));
      c.put(
          "MEAN MS",
          u ->
              u.getExecutions() == 0
                  ? "-"
                  : Long.toString(Durations.toMillis(u.getTotalDuration()) / u.getExecutions()));
      c.put("TOKENS", u -> Long.toString(u.getPromptTokens() + u.getCompletionTokens()));
      out.list(client.gateways().usage(from, to), c);
      return 0;
    }

    /** {@code 90m}, {@code 24h}, {@code 7d}; anything else is an error naming the option. */
    static Duration duration(String text) {
      var match = java.util.regex.Pattern.compile("(\\d{1,6})([mhd])").matcher(text.trim());
      if (!match.matches()) {
        throw new IllegalArgumentException(
            "--since: '" + text + "' (expected: a number and m, h or d, e.g. 24h)");
      }
      long n = Long.parseLong(match.group(1));
      return switch (match.group(2)) {
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
  }
}
