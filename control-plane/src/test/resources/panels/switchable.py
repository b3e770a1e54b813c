# A test panel whose manifest is whatever manifest.json (next to it) holds at each GET /manifest.
import json, os, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
APP_TOKEN = os.environ.get("NEXUS_APP_TOKEN", "")

class Panel(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("X-Nexus-App-Token", "") != APP_TOKEN:
            return self.reply(403, {"error": "not my sidecar"})
        if self.path != "/manifest":
            return self.reply(404, {"error": "no"})
        with open(os.path.join(HERE, "manifest.json"), "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if self.headers.get("X-Nexus-App-Token", "") != APP_TOKEN:
            return self.reply(403, {"error": "not my sidecar"})
        call = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        tool, args = call.get("tool"), call.get("arguments") or {}
        if tool == "echo":
            return self.reply(200, {"arguments": args, "idempotencyKey": self.headers.get("Idempotency-Key", ""),
                                    "requestId": call.get("requestId", ""), "traceparent": self.headers.get("traceparent", "")})
        if tool == "slow":
            time.sleep(args.get("seconds", 5))
            return self.reply(200, {"slept": True})
        if tool == "fail":
            return self.reply(500, {"error": "the backend is on fire"})
        self.reply(404, {"error": "no tool " + str(tool)})

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Panel).serve_forever()
