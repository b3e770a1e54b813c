package io.nexusmesh.cli;

import io.nexusmesh.client.NexusClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** A command that calls Nexus Mesh: it gets a client and an output from the global options. */
abstract class ClientCommand implements Callable<Integer> {
  @Mixin Globals globals;

  @Override
  public final Integer call() throws Exception {
    try (NexusClient client = globals.client()) {
      return run(client, globals.out());
    }
  }

  /** Does the command's work; returns its exit code. */
  abstract int run(NexusClient client, Output out) throws Exception;
}
