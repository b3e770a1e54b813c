import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { PanelPhase, PanelSchema, PanelStatusSchema } from "../gen/nexus/controlplane/v1/panel_service_pb.js";
import { clusterView } from "./cluster.js";

const panel = (image: string, started: boolean, phase?: PanelPhase, lastError = "") =>
  create(PanelSchema, {
    name: "notes",
    image,
    started,
    status: phase === undefined ? undefined : create(PanelStatusSchema, { phase, lastError }),
  });

describe("clusterView", () => {
  it("says nothing of a panel run outside Kubernetes", () => {
    expect(clusterView(panel("", true))).toEqual({ text: "—", error: "" });
  });

  it("shows the phase and offers the opposite of the panel's wish", () => {
    expect(clusterView(panel("img", true, PanelPhase.RUNNING))).toEqual({ text: "running", error: "", action: "stop" });
    expect(clusterView(panel("img", false, PanelPhase.STOPPED))).toEqual({ text: "stopped", error: "", action: "start" });
  });

  it("marks a wish the cluster has not caught up with", () => {
    expect(clusterView(panel("img", true, PanelPhase.STOPPED)).text).toBe("stopped (starting)");
    expect(clusterView(panel("img", false, PanelPhase.RUNNING)).text).toBe("running (stopping)");
    expect(clusterView(panel("img", true)).text).toBe("not seen yet (starting)");
  });

  it("carries the panel manager's reason", () => {
    const view = clusterView(panel("img", true, PanelPhase.FAILED, "panel: ImagePullBackOff: no such image"));
    expect(view.text).toBe("failed");
    expect(view.error).toBe("panel: ImagePullBackOff: no such image");
  });
});
