import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { isMap, isScalar, isSeq, parseDocument, stringify, type Node } from "yaml";
import { WorkflowSchema, type Workflow } from "../gen/nexus/controlplane/v1/workflow_service_pb.js";
import { WorkflowSpecSchema, type WorkflowSpec } from "../gen/nexus/workflow/v1/workflow_spec_pb.js";
import type { FieldViolation } from "../api/errors.js";

/** A workflow file as the CLI reads it: the workflow's fields and its spec. */
export interface WorkflowFile {
  workflow: Workflow;
  spec: WorkflowSpec;
}

/** What is wrong with a file before it reaches the server, at a line. */
export class FileProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/**
 * Parses YAML or JSON text in the CLI's workflow file format ({@code id}, {@code displayName},
 * {@code description}, {@code labels}, {@code spec} in protobuf's JSON mapping).
 */
export function parseWorkflowFile(text: string): WorkflowFile {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const first = doc.errors[0];
    throw new FileProblem(first.message.split("\n")[0], first.linePos?.[0].line);
  }
  const root = doc.toJS() as Record<string, JsonValue> | null;
  if (!root || typeof root !== "object" || Array.isArray(root) || !root.id || !root.spec) {
    throw new FileProblem("expected a mapping with at least 'id' and 'spec'", 1);
  }
  const { spec, ...fields } = root;
  let workflow: Workflow;
  try {
    workflow = fromJson(WorkflowSchema, fields);
  } catch (e) {
    throw new FileProblem(String((e as Error).message), 1);
  }
  try {
    return { workflow, spec: fromJson(WorkflowSpecSchema, spec) };
  } catch (e) {
    throw new FileProblem(`spec: ${(e as Error).message}`, lineOf(text, "spec"));
  }
}

/** The YAML text of a workflow and one of its versions' spec, as the editor starts from. */
export function workflowFileText(workflow: Workflow | undefined, spec: WorkflowSpec | undefined): string {
  const fields = workflow
    ? (toJson(WorkflowSchema, workflow) as Record<string, JsonValue>)
    : { id: "my-workflow", displayName: "My workflow" };
  const kept: Record<string, JsonValue> = {};
  for (const key of ["id", "displayName", "description", "labels"]) {
    if (fields[key] !== undefined) {
      kept[key] = fields[key];
    }
  }
  kept.spec = spec ? toJson(WorkflowSpecSchema, spec) : (toJson(WorkflowSpecSchema, create(WorkflowSpecSchema)) ?? {});
  return stringify(kept);
}

/** The YAML text of a spec alone (for diffs). */
export function specText(spec: WorkflowSpec | undefined): string {
  return spec ? stringify(toJson(WorkflowSpecSchema, spec)) : "";
}

/**
 * The 1-based line a server field path names in {@code text}: {@code spec.nodes[0].transform.expression}
 * is the line of {@code expression} under the first node. Proto names (snake_case) match their JSON
 * names (camelCase). A path that goes further than the text reaches gives the deepest line found.
 */
export function lineOf(text: string, fieldPath: string): number | undefined {
  const doc = parseDocument(text);
  let node: Node | null = doc.contents as Node | null;
  let offset: number | undefined = node?.range?.[0];
  for (const segment of segments(fieldPath)) {
    if (typeof segment === "number") {
      if (!isSeq(node) || !node.items[segment]) {
        break;
      }
      node = node.items[segment] as Node;
      offset = node.range?.[0];
    } else {
      if (!isMap(node)) {
        break;
      }
      const pair = node.items.find((p) => {
        const key = isScalar(p.key) ? String(p.key.value) : "";
        return key === segment || key === camel(segment);
      });
      if (!pair) {
        break;
      }
      offset = (pair.key as Node).range?.[0];
      node = pair.value as Node;
    }
  }
  return offset === undefined ? undefined : text.slice(0, offset).split("\n").length;
}

/** Each violation with the line of the file it names (the request's {@code spec.} is the file's). */
export function violationLines(text: string, violations: FieldViolation[]): (FieldViolation & { line?: number })[] {
  return violations.map((v) => ({ ...v, line: lineOf(text, v.field) }));
}

function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split(".")) {
    const match = /^([^[]*)((\[\d+\])*)$/.exec(part);
    if (!match) {
      out.push(part);
      continue;
    }
    if (match[1]) {
      out.push(match[1]);
    }
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) {
      out.push(Number(index[1]));
    }
  }
  return out;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
