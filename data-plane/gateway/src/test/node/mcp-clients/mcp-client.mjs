// Lists and calls tools on a Nexus Mesh gateway with the official MCP client, then carries the
// same MCP session to a second gateway. Prints one JSON object per line for ExternalMcpClientsIT.
// Usage: node mcp-client.mjs <gateway A url> <gateway B url> <api key>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [gatewayA, gatewayB, apiKey] = process.argv.slice(2);
const requestInit = { headers: { Authorization: `Bearer ${apiKey}` } };
const say = (step, value) => console.log(JSON.stringify({ step, value }));

const onA = new StreamableHTTPClientTransport(new URL("/mcp", gatewayA), { requestInit });
const client = new Client({ name: "nexus-mcp-client-test", version: "1.0.0" });
await client.connect(onA);
say("session", onA.sessionId);
say("protocol", onA.protocolVersion);
say("server", client.getServerVersion());

const { tools } = await client.listTools();
say("tools", tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema })));

const called = await client.callTool({ name: "hello", arguments: { name: "SDK" } });
say("call", called);

say("badArguments", await client.callTool({ name: "hello", arguments: { name: "" } }));

try {
  await client.callTool({ name: "no-such-tool", arguments: {} });
  say("unknown", null);
} catch (error) {
  say("unknown", { code: error.code, message: error.message });
}

// Progress: one notification per completed node, through the SDK's onprogress.
const progress = [];
const threeSteps = await client.callTool({ name: "three-steps", arguments: { n: 1 } }, undefined, {
  onprogress: (p) => progress.push(p),
});
say("progress", progress);
say("threeSteps", threeSteps);

// Cancellation: aborting the call makes the SDK send notifications/cancelled.
const controller = new AbortController();
const pending = client.callTool({ name: "waits", arguments: {} }, undefined, { signal: controller.signal });
setTimeout(() => controller.abort("user gave up"), 1000);
try {
  await pending;
  say("aborted", null);
} catch (error) {
  say("aborted", { message: String(error.message ?? error) });
}

// The same session, continued through the other gateway: no new initialize.
const onB = new StreamableHTTPClientTransport(new URL("/mcp", gatewayB), {
  requestInit,
  sessionId: onA.sessionId,
});
const sameSession = new Client({ name: "nexus-mcp-client-test", version: "1.0.0" });
await sameSession.connect(onB);
say("sessionOnB", onB.sessionId);
say("callOnB", await sameSession.callTool({ name: "hello", arguments: { name: "B" } }));

await onA.terminateSession();
await client.close();
await sameSession.close();
