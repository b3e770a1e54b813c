package io.nexusmesh.sidecar.manifest;

import static java.util.Objects.requireNonNull;

import com.networknt.schema.Schema;
import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.api.sidecar.v1.Tool;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A panel's manifest as the sidecar holds it: its state, its tools when READY (with their compiled
 * input schemas), and a message for people when it is not.
 */
public record PanelManifest(
    ManifestState state, List<Tool> tools, Map<String, Schema> schemas, String message) {

  public PanelManifest {
    requireNonNull(state, "state");
    tools = List.copyOf(tools);
    schemas = Map.copyOf(schemas);
    requireNonNull(message, "message");
  }

  /** Not read yet: the user server is not answering. */
  public static PanelManifest waiting(String why) {
    return new PanelManifest(ManifestState.MANIFEST_STATE_WAITING, List.of(), Map.of(), why);
  }

  /** Read, but it breaks the contract: no tools are served. */
  public static PanelManifest invalid(String why) {
    return new PanelManifest(ManifestState.MANIFEST_STATE_INVALID, List.of(), Map.of(), why);
  }

  /** Whether its tools are served. */
  public boolean ready() {
    return state == ManifestState.MANIFEST_STATE_READY;
  }

  /** The tool of that name, when the manifest is READY and declares it. */
  public Optional<Tool> tool(String name) {
    return tools.stream().filter(t -> t.getName().equals(name)).findFirst();
  }

  /** Whether it says the same to the mesh as {@code other} (state, tools and message). */
  public boolean sameAs(PanelManifest other) {
    return state == other.state && tools.equals(other.tools) && message.equals(other.message);
  }
}
