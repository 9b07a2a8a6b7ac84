"""A fake of Twilio's REST API for the tests that send texts: a real local HTTP server, so twilio-python's own
client code runs up to the socket."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeTwilioApi:
    """A local HTTP server standing in for Twilio's REST API: records each request, answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status, self.body, self.delay = 201, {"sid": "SM" + "f" * 32, "status": "queued"}, 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append({"path": self.path, "form": form,
                                      "authorization": self.headers.get("Authorization", "")})
                time.sleep(fake.delay)
                payload = json.dumps(fake.body).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a deliberately slow answer must not hold up the test's end
        self.server.block_on_close = False
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def refuse(self, code: int, status: int = 400) -> None:
        self.status, self.body = status, {"code": code, "message": f"refused with {code}", "status": status}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
