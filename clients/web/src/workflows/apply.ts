import { Code, ConnectError } from "@connectrpc/connect";
import { equals } from "@bufbuild/protobuf";
import type { Api } from "../api/transport.js";
import { WorkflowSpecSchema } from "../gen/nexus/workflow/v1/workflow_spec_pb.js";
import type { WorkflowVersion } from "../gen/nexus/controlplane/v1/workflow_service_pb.js";
import type { WorkflowFile } from "./workflowFile.js";

/** What applying did: the newest version, and whether it is new. */
export interface Applied {
  version: WorkflowVersion;
  changed: boolean;
}

/**
 * Makes the file's spec the newest version of its workflow, as `nexus workflows apply` does:
 * creates the workflow when it does not exist, and a version only when the spec changed.
 */
export async function applyWorkflow(api: Api, file: WorkflowFile, description: string): Promise<Applied> {
  const id = file.workflow.id;
  let latest = 0n;
  try {
    latest = (await api.workflows.getWorkflow({ id })).workflow?.latestVersion ?? 0n;
  } catch (e) {
    if (ConnectError.from(e).code !== Code.NotFound) {
      throw e;
    }
    await api.workflows.createWorkflow({ workflow: file.workflow, requestId: crypto.randomUUID() });
  }
  if (latest > 0n) {
    const current = (await api.workflows.getWorkflowVersion({ workflowId: id, version: latest })).version;
    if (current?.spec && equals(WorkflowSpecSchema, current.spec, file.spec)) {
      return { version: current, changed: false };
    }
  }
  const created = await api.workflows.createWorkflowVersion({
    workflowId: id,
    spec: file.spec,
    description,
    requestId: crypto.randomUUID(),
  });
  return { version: created.version!, changed: true };
}
