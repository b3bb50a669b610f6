"""A loopback HTTP proxy in front of the test server that holds chosen requests before passing them on.

`SlowProxy(upstream, hold={("POST", "/admin/stock-locations"): 5.0})` forwards every request to
`upstream`; a matching one waits 5 s first, then still reaches Medusa (a slow server, not a lost
request), even when the client has given up on it.

`gates` force an interleaving instead of a delay: `Gate("before", "GET", path)` holds the first
matching request before it reaches Medusa, `Gate("after", …)` holds its answer (the read has
happened, the client has not seen it); `gate.reached` is set when it holds, and it passes on when
the test calls `gate.open()`. The request is still forwarded at once after `open()`.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx

_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


class Gate:
    """Holds the first request (`when="before"`) or answer (`when="after"`) of `method path`
    after `skip` matching ones passed."""

    def __init__(
        self, when: str, method: str, path: str, *, fields: str | None = None, skip: int = 0, limit_s: float = 120.0
    ) -> None:
        assert when in ("before", "after")
        self.when, self.method, self.path, self.limit_s = when, method, path, limit_s
        self.fields = fields  # match only a request whose `fields=` query parameter is this
        self.skip = skip
        self.reached = threading.Event()
        self._open = threading.Event()
        self._taken = threading.Lock()
        self._used = False

    def open(self) -> None:
        self._open.set()

    def wait_reached(self, timeout: float) -> bool:
        return self.reached.wait(timeout)

    def pass_through(self, when: str, method: str, target: str) -> None:
        path, _, query = target.partition("?")
        if (when, method, path) != (self.when, self.method, self.path):
            return
        if self.fields is not None and parse_qs(query).get("fields") != [self.fields]:
            return
        with self._taken:
            if self._used:
                return
            if self.skip:
                self.skip -= 1
                return
            self._used = True
        self.reached.set()
        self._open.wait(self.limit_s)


class SlowProxy:
    def __init__(
        self, upstream: str, hold: dict[tuple[str, str], float] | None = None, gates: tuple[Gate, ...] = ()
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.hold = hold or {}
        self.gates = gates
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
                for gate in proxy.gates:
                    gate.pass_through("before", self.command, self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
                answer = httpx.request(self.command, proxy.upstream + self.path, headers=headers, content=body, timeout=60)
                for gate in proxy.gates:
                    gate.pass_through("after", self.command, self.path)
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
        for gate in self.gates:
            gate.open()
        self._server.shutdown()
        self._server.server_close()
