# A test panel whose manifest is whatever manifest.json (next to it) holds at each GET /manifest.
# Its UI: GET /hello answers who called and what it was sent; /ws is a WebSocket echoing text.
import base64, hashlib, json, os, struct, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
APP_TOKEN = os.environ.get("NEXUS_APP_TOKEN", "")

class Panel(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", base64.b64encode(hashlib.sha1(key.encode()).digest()).decode())
        self.end_headers()
        self.wfile.flush()
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            op, n = head[0] & 0x0F, head[1] & 0x7F
            if n == 126:
                n = struct.unpack(">H", self.rfile.read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(n)))
            if op == 8:
                self.wfile.write(b"\x88\x00")
                self.wfile.flush()
                return
            if op == 1:
                reply = ("echo:" + data.decode()).encode()
                self.wfile.write(bytes([0x81, len(reply)]) + reply)
                self.wfile.flush()
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
        if self.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if self.path.startswith("/hello"):
            return self.reply(200, {"path": self.path, "user": self.headers.get("X-Nexus-User", ""),
                                    "authorization": self.headers.get("Authorization", "")})
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
