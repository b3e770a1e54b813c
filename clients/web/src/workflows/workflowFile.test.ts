import { describe, expect, it } from "vitest";
import { FileProblem, lineOf, parseWorkflowFile, workflowFileText } from "./workflowFile.js";

const HELLO = `id: hello
displayName: Hello
spec:
  inputSchema:
    type: object
  nodes:
    - id: greet
      transform:
        expression: "{'greeting': 'Hello'}"
    - id: second
      transform:
        expression: "nodes.greet"
`;

describe("workflow files", () => {
  it("parse into the workflow and its spec", () => {
    const file = parseWorkflowFile(HELLO);
    expect(file.workflow.id).toBe("hello");
    expect(file.workflow.displayName).toBe("Hello");
    expect(file.spec.nodes.map((n) => n.id)).toEqual(["greet", "second"]);
  });

  it("name the line of a server's field path, proto names or JSON names", () => {
    expect(lineOf(HELLO, "spec.nodes[1].transform.expression")).toBe(12);
    expect(lineOf(HELLO, "spec.nodes[0].id")).toBe(7);
    expect(lineOf(HELLO, "spec.input_schema")).toBe(4);
    // Further than the text reaches: the deepest line found.
    expect(lineOf(HELLO, "spec.nodes[1].transform.missing.deeper")).toBe(11);
  });

  it("refuse an unknown spec field with the line of spec", () => {
    const broken = HELLO.replace("inputSchema", "inputSchemer");
    expect(() => parseWorkflowFile(broken)).toThrow(FileProblem);
    try {
      parseWorkflowFile(broken);
    } catch (e) {
      expect((e as FileProblem).message).toContain("inputSchemer");
      expect((e as FileProblem).line).toBe(3);
    }
  });

  it("report YAML syntax errors at their line", () => {
    try {
      parseWorkflowFile("id: x\nspec: [unclosed\n");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileProblem);
      expect((e as FileProblem).line).toBeGreaterThanOrEqual(2);
    }
  });

  it("round-trip through the editor's text", () => {
    const file = parseWorkflowFile(HELLO);
    const again = parseWorkflowFile(workflowFileText(file.workflow, file.spec));
    expect(again.spec.nodes[1].id).toBe("second");
    expect(again.workflow.id).toBe("hello");
  });
});
