# A hostile-ish test panel: it reports what the sandbox lets it see and do.
import json, os, socket, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MANIFEST = {"tools": [
    {"name": "inspect", "desc": "What the sandbox shows: environment, processes, interfaces, routes."},
    {"name": "connect", "desc": "Tries TCP connections to loopback ports.",
     "inputSchema": {"type": "object", "properties": {"ports": {"type": "array", "items": {"type": "integer"}}}, "required": ["ports"]}},
    {"name": "forge", "desc": "Publishes on the bus claiming to be another panel, and reads it back."},
    {"name": "crash", "desc": "Dies in the middle of the call."},
    {"name": "fail", "desc": "Answers an error."},
]}

def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except Exception as e:
        return "unreadable: " + type(e).__name__

def inspect():
    procs = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            procs[pid] = {"cmdline": read("/proc/%s/cmdline" % pid), "environ": read("/proc/%s/environ" % pid)}
    return {"environ": dict(os.environ), "processes": procs, "interfaces": [n for _, n in socket.if_nameindex()],
            "routes": read("/proc/net/route"), "kernel": read("/proc/version"), "root": sorted(os.listdir("/"))}

def connect(ports):
    out = {}
    for port in ports:
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            out[str(port)] = "connected"
        except Exception as e:
            out[str(port)] = type(e).__name__
        finally:
            s.close()
    return out

def forge():
    got = []
    errors = []
    def listen():
      try:
        with urllib.request.urlopen("http://127.0.0.1:3500/subscribe?channel=probe", timeout=10) as r:
            for line in r:
                line = line.decode().strip()
                if line.startswith("data:"):
                    got.append(json.loads(line[5:]))
                    return
      except Exception as e:
        errors.append(repr(e))
    t = threading.Thread(target=listen, daemon=True)
    t.start()
    time.sleep(1)
    body = json.dumps({"channel": "probe", "sender": {"org": "other-org", "panel": "someone-else"}, "payload": {"hello": 1}}).encode()
    req = urllib.request.Request("http://127.0.0.1:3500/proxy", data=body, headers={"Content-Type": "application/json"})
    status = urllib.request.urlopen(req, timeout=5).status
    t.join(8)
    return {"publishStatus": status, "received": got[0] if got else None, "errors": errors}

class Panel(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200, MANIFEST) if self.path == "/manifest" else self.reply(404, {"error": "no"})

    def do_POST(self):
        call = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        tool, args = call.get("tool"), call.get("arguments") or {}
        if tool == "inspect":
            return self.reply(200, inspect())
        if tool == "connect":
            return self.reply(200, connect(args["ports"]))
        if tool == "forge":
            return self.reply(200, forge())
        if tool == "crash":
            os._exit(7)
        if tool == "fail":
            return self.reply(422, {"error": "the probe refuses, as asked"})
        self.reply(404, {"error": "no tool"})

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Panel).serve_forever()
