package io.nexusmesh.launcher;

import io.nexusmesh.api.controlplane.v1.ApiKey;
import io.nexusmesh.api.controlplane.v1.ApiKeyState;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.cli.WorkflowFile;
import io.nexusmesh.client.NexusClient;
import io.nexusmesh.client.Workflows;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds org {@code demo} through the public API, as a user would: applies the example workflows (a
 * new version only when an example changed), deploys each newest version to {@code dev}, and keeps
 * one API key for the dev environment file.
 */
final class DevSeed {
  /** The examples of {@code examples/} (the README shows them), seeded in this order. */
  static final List<String> EXAMPLES = List.of("hello.yaml", "approval.yaml");

  /** The ids of the seeded workflows (each example's file name). */
  static List<String> workflowIds() {
    return EXAMPLES.stream().map(f -> f.replace(".yaml", "")).toList();
  }

  private static final Logger log = LoggerFactory.getLogger(DevSeed.class);

  private DevSeed() {}

  /**
   * Creates and deploys each example the organisation does not have yet. One it has is left alone,
   * whatever its versions: a restart must not undo what the user changed.
   */
  static void workflows(NexusClient admin) {
    for (String example : EXAMPLES) {
      WorkflowFile file = WorkflowFile.parse(resource("examples/" + example), example);
      if (admin.workflows().find(file.workflow().getId()).isPresent()) {
        continue;
      }
      Workflows.Applied applied =
          admin.workflows().apply(file.workflow(), file.spec(), "seeded by nexus dev");
      Deployment created =
          admin
              .deployments()
              .create(
                  applied.workflow().getId(),
                  applied.version().getVersion(),
                  Environment.ENVIRONMENT_DEV);
      log.info(
          "seeded {} v{}, deployed to dev ({})",
          applied.workflow().getId(),
          applied.version().getVersion(),
          created.getId());
    }
  }

  /**
   * The API key of the environment file: {@code previous} when it is still active, else a new one.
   */
  static String apiKey(NexusClient admin, Optional<String> previous) {
    if (previous.isPresent()) {
      Optional<String> id = keyId(previous.get());
      boolean active =
          id.isPresent()
              && admin.apiKeys().list().stream()
                  .anyMatch(
                      k ->
                          k.getId().equals(id.get())
                              && k.getState() == ApiKeyState.API_KEY_STATE_ACTIVE);
      if (active) {
        return previous.get();
      }
    }
    var created = admin.apiKeys().create("nexus dev", List.of());
    ApiKey key = created.getApiKey();
    log.info("created API key {} for the dev environment file", key.getId());
    return created.getSecret();
  }

  /** The id part of {@code nxk_<id>_<secret>}. */
  private static Optional<String> keyId(String apiKey) {
    String[] parts = apiKey.split("_", 3);
    return parts.length == 3 && parts[0].equals("nxk") ? Optional.of(parts[1]) : Optional.empty();
  }

  private static String resource(String name) {
    try (InputStream in = DevSeed.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
