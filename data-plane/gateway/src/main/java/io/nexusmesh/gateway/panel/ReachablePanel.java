package io.nexusmesh.gateway.panel;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.sidecar.v1.Tool;
import java.util.List;
import java.util.Optional;

/**
 * A panel of an organisation that has a running instance: where its sidecar listens, the tools it
 * serves and the invoke key (opened with this gateway's private key) the sidecar expects.
 */
public record ReachablePanel(
    String org,
    String panel,
    String endpoint,
    String instance,
    List<Tool> tools,
    String invokeKey) {

  public ReachablePanel {
    requireNonNull(org, "org");
    requireNonNull(panel, "panel");
    requireNonNull(endpoint, "endpoint");
    requireNonNull(instance, "instance");
    tools = List.copyOf(tools);
    requireNonNull(invokeKey, "invokeKey");
  }

  /** The tool of that name, if the panel serves it. */
  public Optional<Tool> tool(String name) {
    return tools.stream().filter(t -> t.getName().equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return "ReachablePanel[" + org + "/" + panel + " at " + endpoint + "]";
  }
}
