// A Nexus Mesh panel: any web server that answers GET /manifest and POST /mcp/execute on :8080 ($PORT when set).
// No SDK and no dependency beyond Node.js itself. The sidecar beside it holds every credential;
// this code holds none. Requests from the sidecar carry X-Nexus-App-Token, which must equal the
// NEXUS_APP_TOKEN this server was started with: anything else is refused.
const http = require("http");
const crypto = require("crypto");

const APP_TOKEN = process.env.NEXUS_APP_TOKEN || "";

const MANIFEST = {
  tools: [
    {
      name: "greet",
      desc: "Greets someone by name.",
      inputSchema: {
        type: "object",
        properties: { name: { type: "string", minLength: 1 } },
        required: ["name"],
      },
    },
    { name: "add", desc: "Adds two numbers a and b." },
  ],
};

function runTool(tool, args) {
  if (tool === "greet") return { greeting: `Hello, ${args.name}!` };
  if (tool === "add") return { sum: (args.a || 0) + (args.b || 0) };
  const e = new Error(`no tool ${tool}`);
  e.status = 404;
  throw e;
}

function fromSidecar(req) {
  if (!APP_TOKEN) return true;
  const token = Buffer.from(req.headers["x-nexus-app-token"] || "");
  const expected = Buffer.from(APP_TOKEN);
  return token.length === expected.length && crypto.timingSafeEqual(token, expected);
}

function reply(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

http
  .createServer((req, res) => {
    if (!fromSidecar(req)) return reply(res, 403, { error: "not my sidecar" });
    if (req.method === "GET" && req.url === "/manifest") return reply(res, 200, MANIFEST);
    if (req.method !== "POST" || req.url !== "/mcp/execute") return reply(res, 404, { error: "no such path" });
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      try {
        const call = JSON.parse(body || "{}");
        reply(res, 200, runTool(call.tool, call.arguments || {}));
      } catch (e) {
        reply(res, e.status || 500, { error: e.message });
      }
    });
  })
  .listen(Number(process.env.PORT || 8080), "127.0.0.1", () =>
    console.log(`panel listening on 127.0.0.1:${process.env.PORT || 8080}`),
  );
