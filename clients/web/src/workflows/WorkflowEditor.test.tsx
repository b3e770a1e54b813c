import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Api } from "../api/transport.js";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import { SessionProvider, type ConsoleSession } from "../session.js";
import { WorkflowEditor } from "./WorkflowEditor.js";

const FILE = `id: hello
spec:
  nodes:
    - id: greet
      transform:
        expression: "{'greeting': 'Hello, ' + input.nam"
`;

function sessionWith(workflows: Partial<Api["workflows"]>): ConsoleSession {
  return {
    api: { workflows } as Api,
    identity: { subject: "dev-user", org: "demo", roles: ["admin"] },
    config: { issuer: "", clientId: "", gatewayUrl: "", devSignIn: true },
    signOut: () => undefined,
  };
}

describe("the workflow editor", () => {
  afterEach(cleanup);

  it("shows the server's field violations beside the lines they name", async () => {
    const refused = new ConnectError("spec is invalid", Code.InvalidArgument, undefined, [
      {
        desc: BadRequestSchema,
        value: create(BadRequestSchema, {
          fieldViolations: [{ field: "spec.nodes[0].transform.expression", description: "CEL: Syntax error" }],
        }),
      },
    ]);
    const createWorkflowVersion = vi.fn().mockRejectedValue(refused);
    const session = sessionWith({
      getWorkflow: vi.fn().mockRejectedValue(new ConnectError("no workflow hello", Code.NotFound)),
      createWorkflow: vi.fn().mockResolvedValue({}),
      createWorkflowVersion,
    } as never);
    render(
      <SessionProvider value={session}>
        <WorkflowEditor initial={FILE} />
      </SessionProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    const byLine = await screen.findByRole("list", { name: "Violations by line" });
    expect(byLine.textContent).toContain("Line 6");
    expect(byLine.textContent).toContain("CEL: Syntax error");
    expect(screen.getByRole("alert").textContent).toContain("INVALID_ARGUMENT");
    expect(document.querySelectorAll(".gutter .mark")).toHaveLength(1);
    expect(document.querySelector(".gutter .mark")?.textContent).toContain("6");
    expect(createWorkflowVersion).toHaveBeenCalledOnce();
  });

  it("says what is wrong with a file the server never sees", async () => {
    const createWorkflowVersion = vi.fn();
    render(
      <SessionProvider value={sessionWith({ createWorkflowVersion } as never)}>
        <WorkflowEditor initial={"id: hello\nspec:\n  nodez: []\n"} />
      </SessionProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("nodez"));
    expect(createWorkflowVersion).not.toHaveBeenCalled();
  });
});
