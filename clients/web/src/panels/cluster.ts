import { enumName } from "../format.js";
import { PanelPhase, type Panel } from "../gen/nexus/controlplane/v1/panel_service_pb.js";

/** What the console says of a panel on Kubernetes, and which of start and stop it offers. */
export interface ClusterView {
  /** "running", "stopped (starting)", …, or "—" for a panel without an image. */
  text: string;
  /** Why it is not running, when the panel manager knows. */
  error: string;
  /** "start", "stop", or none for a panel the panel manager does not run. */
  action?: "start" | "stop";
}

/** A panel's cluster state: its status as the panel manager last wrote it, and its wish. */
export function clusterView(panel: Panel): ClusterView {
  if (!panel.image) {
    return { text: "—", error: "" };
  }
  const phase = panel.status ? enumName(PanelPhase, panel.status.phase).toLowerCase() : "unspecified";
  const seen = phase === "unspecified" ? "not seen yet" : phase;
  const moving =
    panel.started && (phase === "stopped" || phase === "unspecified")
      ? " (starting)"
      : !panel.started && phase !== "stopped"
        ? " (stopping)"
        : "";
  return {
    text: seen + moving,
    error: panel.status?.lastError ?? "",
    action: panel.started ? "stop" : "start",
  };
}
