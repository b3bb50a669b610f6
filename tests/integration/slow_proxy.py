"""A loopback HTTP proxy in front of the test server that holds chosen requests before passing them on.

`SlowProxy(upstream, hold={("POST", "/admin/stock-locations"): 5.0})` forwards every request to
`upstream`; a matching one waits 5 s first, then still reaches Medusa (a slow server, not a lost
request), even when the client has given up on it.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


class SlowProxy:
    def __init__(self, upstream: str, hold: dict[tuple[str, str], float]) -> None:
        self.upstream = upstream.rstrip("/")
        self.hold = hold
        self.held: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?", 1)[0]
                delay = proxy.hold.get((self.command, path))
                if delay:
                    proxy.held.append(f"{self.command} {path}")
                    time.sleep(delay)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
                answer = httpx.request(self.command, proxy.upstream + self.path, headers=headers, content=body, timeout=60)
                try:
                    self.send_response(answer.status_code)
                    for key, value in answer.headers.items():
                        if key.lower() not in _HOP_HEADERS:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: the request reached Medusa all the same

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SlowProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
