package io.nexusmesh.cli;

import com.google.protobuf.util.Durations;
import io.nexusmesh.api.controlplane.v1.CanaryPolicy;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.client.Deployments;
import io.nexusmesh.client.NexusClient;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nexus deploy}: deploy versions to environments (whole or as canaries), promote, roll back,
 * end canaries, follow rollouts.
 */
@Command(
    name = "deploy",
    description = "Deploy workflow versions to environments and follow their rollout to gateways.",
    subcommands = {
      DeployCommand.Create.class,
      DeployCommand.Promote.class,
      DeployCommand.Rollback.class,
      DeployCommand.PromoteCanary.class,
      DeployCommand.AbortCanary.class,
      DeployCommand.Status.class,
      DeployCommand.ListDeployments.class
    })
final class DeployCommand {
  static Map<String, Function<Deployment, String>> columns() {
    Map<String, Function<Deployment, String>> c = Output.columns();
    c.put("ID", Deployment::getId);
    c.put("WORKFLOW", Deployment::getWorkflowId);
    c.put("VERSION", d -> Long.toString(d.getVersion()));
    c.put(
        "ENV", d -> Output.shortName(d.getEnvironment(), "ENVIRONMENT_").toLowerCase(Locale.ROOT));
    c.put("STATE", d -> Output.shortName(d.getState(), "ROLLOUT_STATE_"));
    c.put(
        "GATEWAYS",
        d ->
            d.getGatewaysList().stream()
                .map(g -> g.getGatewayId() + "=" + Output.shortName(g.getState(), "ROLLOUT_STATE_"))
                .collect(Collectors.joining(",")));
    c.put("CANARY", DeployCommand::canary);
    return c;
  }

  /**
   * A canary in one cell: its share, state and each version's figures, e.g. {@code 10% RUNNING v1
   * 120 runs 0.0% err p50 5ms p99 20ms; v2 ...}; empty for a whole deployment.
   */
  static String canary(Deployment d) {
    if (!d.hasCanary()) {
      return "";
    }
    var canary = d.getCanary();
    String versions =
        canary.getVersionsList().stream()
            .map(
                v ->
                    String.format(
                        Locale.ROOT,
                        "v%d %d runs %.1f%% err p50 %dms p99 %dms",
                        v.getVersion(),
                        v.getExecutions(),
                        100 * v.getErrorRate(),
                        Durations.toMillis(v.getP50Latency()),
                        Durations.toMillis(v.getP99Latency())))
            .collect(Collectors.joining("; "));
    return canary.getPolicy().getPercent()
        + "% "
        + Output.shortName(canary.getState(), "CANARY_STATE_")
        + (versions.isEmpty() ? "" : " " + versions);
  }

  static Environment environment(String name) {
    try {
      return Environment.valueOf("ENVIRONMENT_" + name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown environment '" + name + "' (expected: dev, staging or prod)");
    }
  }

  @Command(
      name = "create",
      description = "Deploy a version (the newest by default) to an environment.")
  static final class Create extends ClientCommand {
    @Parameters(paramLabel = "WORKFLOW", description = "The workflow id.")
    String workflow;

    @Option(names = "--version", description = "The version to deploy (default: the newest).")
    long version;

    @Option(
        names = "--env",
        defaultValue = "dev",
        description = "dev, staging or prod (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = "--watch", description = "Follow the rollout until every gateway has it.")
    boolean watch;

    @Option(
        names = "--canary",
        paramLabel = "PERCENT",
        description =
            "Deploy as a canary: this share of the calls (1-99) runs the new version, the rest"
                + " the version deployed now, until promote-canary or abort-canary.")
    int canaryPercent;

    @Option(
        names = "--max-error-rate",
        paramLabel = "RATE",
        description =
            "With --canary: abort it automatically once its error rate passes RATE (0-1;"
                + " default: never).")
    double maxErrorRate;

    @Option(
        names = "--min-executions",
        paramLabel = "N",
        description =
            "With --canary: judge the error rate only after N canary executions"
                + " (default: 20).")
    long minExecutions;

    @Override
    int run(NexusClient client, Output out) {
      long v = version > 0 ? version : client.workflows().get(workflow).getLatestVersion();
      Deployment created =
          canaryPercent > 0
              ? client
                  .deployments()
                  .createCanary(
                      workflow,
                      v,
                      environment(env),
                      CanaryPolicy.newBuilder()
                          .setPercent(canaryPercent)
                          .setMaxErrorRate(maxErrorRate)
                          .setMinExecutions(minExecutions)
                          .build())
              : client.deployments().create(workflow, v, environment(env));
      out.one(created, columns());
      return watch ? follow(client, out, created.getId()) : 0;
    }
  }

  @Command(name = "promote", description = "Deploy a deployment's version to another environment.")
  static final class Promote extends ClientCommand {
    @Parameters(paramLabel = "DEPLOYMENT", description = "The deployment id.")
    String id;

    @Option(names = "--to", required = true, description = "staging or prod.")
    String target;

    @Override
    int run(NexusClient client, Output out) {
      out.one(client.deployments().promote(id, environment(target)), columns());
      return 0;
    }
  }

  @Command(
      name = "rollback",
      description = "Put the previous version back in the deployment's environment.")
  static final class Rollback extends OneDeployment {
    @Override
    Deployment apply(Deployments deployments, String id) {
      return deployments.rollback(id);
    }
  }

  /** A command acting on one deployment named by id, printing the deployment it leads to. */
  abstract static class OneDeployment extends ClientCommand {
    @Parameters(paramLabel = "DEPLOYMENT", description = "The deployment id.")
    String id;

    /** What the command does to deployment {@code id}; the deployment that results. */
    abstract Deployment apply(Deployments deployments, String id);

    @Override
    final int run(NexusClient client, Output out) {
      out.one(apply(client.deployments(), id), columns());
      return 0;
    }
  }

  @Command(
      name = "promote-canary",
      description = "Send every call to a canary's version (a new deployment replaces it).")
  static final class PromoteCanary extends OneDeployment {
    @Override
    Deployment apply(Deployments deployments, String id) {
      return deployments.promoteCanary(id);
    }
  }

  @Command(
      name = "abort-canary",
      description = "Send every call back to a canary's baseline (a new deployment replaces it).")
  static final class AbortCanary extends OneDeployment {
    @Option(names = "--reason", defaultValue = "", description = "Why, kept in its status.")
    String reason;

    @Override
    Deployment apply(Deployments deployments, String id) {
      return deployments.abortCanary(id, reason);
    }
  }

  @Command(name = "status", description = "Show a deployment's rollout; --watch follows it.")
  static final class Status extends ClientCommand {
    @Parameters(paramLabel = "DEPLOYMENT", description = "The deployment id.")
    String id;

    @Option(names = "--watch", description = "Follow the rollout until it settles.")
    boolean watch;

    @Override
    int run(NexusClient client, Output out) {
      if (watch) {
        return follow(client, out, id);
      }
      out.one(client.deployments().get(id), columns());
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List deployments.")
  static final class ListDeployments extends ClientCommand {
    @Option(names = "--workflow", defaultValue = "", description = "Only this workflow's.")
    String workflow;

    @Override
    int run(NexusClient client, Output out) {
      out.list(client.deployments().list(workflow), columns());
      return 0;
    }
  }

  /** Prints each change of the rollout until it is no longer PENDING; 0 when it went ACTIVE. */
  static int follow(NexusClient client, Output out, String id) {
    // Watch first, then read: a change between the two is then seen by one or the other.
    Iterator<Deployment> changes = client.deployments().watch("", id);
    Deployment now = client.deployments().get(id);
    while (now.getState() == RolloutState.ROLLOUT_STATE_PENDING && changes.hasNext()) {
      now = changes.next();
      out.note("rollout of " + id + ": " + Output.shortName(now.getState(), "ROLLOUT_STATE_"));
    }
    out.one(now, columns());
    return now.getState() == RolloutState.ROLLOUT_STATE_ACTIVE ? 0 : Failures.FAILED;
  }
}
