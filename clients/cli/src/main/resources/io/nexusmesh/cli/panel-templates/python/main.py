"""A Nexus Mesh panel: any web server that answers GET /manifest and POST /mcp/execute on :8080 ($PORT when set).

No SDK and no dependency beyond Python's standard library. The sidecar beside it holds every
credential; this code holds none. Requests from the sidecar carry X-Nexus-App-Token, which must
equal the NEXUS_APP_TOKEN this server was started with: anything else is refused.
"""
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP_TOKEN = os.environ.get("NEXUS_APP_TOKEN", "")

MANIFEST = {
    "tools": [
        {
            "name": "greet",
            "desc": "Greets someone by name.",
            "inputSchema": {
                "type": "object",
                "properties": {"name": {"type": "string", "minLength": 1}},
                "required": ["name"],
            },
        },
        {"name": "add", "desc": "Adds two numbers a and b."},
    ]
}


def run_tool(tool, arguments):
    if tool == "greet":
        return {"greeting": "Hello, " + arguments["name"] + "!"}
    if tool == "add":
        return {"sum": arguments.get("a", 0) + arguments.get("b", 0)}
    raise LookupError("no tool " + tool)


class Panel(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _from_sidecar(self):
        token = self.headers.get("X-Nexus-App-Token", "")
        return not APP_TOKEN or hmac.compare_digest(token, APP_TOKEN)

    def do_GET(self):
        if not self._from_sidecar():
            return self._reply(403, {"error": "not my sidecar"})
        if self.path == "/manifest":
            return self._reply(200, MANIFEST)
        self._reply(404, {"error": "no such path"})

    def do_POST(self):
        if not self._from_sidecar():
            return self._reply(403, {"error": "not my sidecar"})
        if self.path != "/mcp/execute":
            return self._reply(404, {"error": "no such path"})
        call = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        try:
            self._reply(200, run_tool(call.get("tool"), call.get("arguments") or {}))
        except LookupError as e:
            self._reply(404, {"error": str(e)})
        except Exception as e:  # the tool's own failure, reported to the caller
            self._reply(500, {"error": str(e)})

    def log_message(self, fmt, *args):
        print("panel:", fmt % args, flush=True)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print("panel listening on 127.0.0.1:%d" % port, flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Panel).serve_forever()
