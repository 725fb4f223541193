"""A minimal raw JSON-RPC-over-stdio client, for what pytest-lsp cannot send
(malformed JSON) and for the latency benchmark (no validation overhead)."""

import json
import os
import subprocess
import threading
import queue
import time


def binary():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.environ.get("PALIMPSEST_BIN", os.path.join(root, "target", "release", "palimpsest"))


class RawClient:
    def __init__(self, env=None):
        self.proc = subprocess.Popen(
            [binary(), "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        self.next_id = 1
        self.responses = {}
        self.notifications = queue.Queue()
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.cond.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                k, v = line.decode().split(":", 1)
                headers[k.lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            msg = json.loads(body)
            if "id" in msg and "method" in msg:
                # A request from the server: answer with null.
                self.send_raw(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": None}).encode())
            elif "id" in msg:
                with self.cond:
                    self.responses[msg["id"]] = msg
                    self.cond.notify_all()
            else:
                self.notifications.put(msg)

    def send_raw(self, body: bytes):
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send_raw(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode())

    def request_async(self, method, params):
        i = self.next_id
        self.next_id += 1
        self.send_raw(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).encode())
        return i

    def wait(self, i, timeout=60):
        deadline = time.time() + timeout
        with self.cond:
            while i not in self.responses:
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    raise TimeoutError(f"no response to {i}")
                self.cond.wait(left)
            return self.responses.pop(i)

    def request(self, method, params, timeout=60):
        return self.wait(self.request_async(method, params), timeout)

    def initialize(self, encodings=("utf-16",), options=None):
        r = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": None,
                "capabilities": {"general": {"positionEncodings": list(encodings)}},
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})
        return r

    def wait_notification(self, method, pred=lambda m: True, timeout=60):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(method)
            msg = self.notifications.get(timeout=left)
            if msg.get("method") == method and pred(msg):
                return msg

    def close(self):
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
