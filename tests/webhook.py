"""A webhook receiver for the tests: an HTTP listener on 127.0.0.1 started in the test
(tests/ is on sys.path: `from webhook import Listener`; the `listener` fixture is in conftest)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Listener:
    """A webhook on 127.0.0.1 that records each POST body and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict] = []
        self.raw: list[bytes] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                listener.raw.append(body)
                listener.bodies.append(json.loads(body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
