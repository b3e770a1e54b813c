package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.client.NexusClient;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus deploy}: deploy versions to environments, promote, roll back, follow rollouts. */
@Command(
    name = "deploy",
    description = "Deploy workflow versions to environments and follow their rollout to gateways.",
    subcommands = {
      DeployCommand.Create.class,
      DeployCommand.Promote.class,
      DeployCommand.Rollback.class,
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
    return c;
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

    @Override
    int run(NexusClient client, Output out) {
      long v = version > 0 ? version : client.workflows().get(workflow).getLatestVersion();
      Deployment created = client.deployments().create(workflow, v, environment(env));
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
  static final class Rollback extends ClientCommand {
    @Parameters(paramLabel = "DEPLOYMENT", description = "The deployment id.")
    String id;

    @Override
    int run(NexusClient client, Output out) {
      out.one(client.deployments().rollback(id), columns());
      return 0;
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
