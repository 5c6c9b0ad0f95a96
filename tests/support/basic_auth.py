"""A loopback HTTP server answering MLflow's basic-auth login checks (``/users/current``, and
``/users/get`` as servers before it) for the unit tests of logins; the integration tests use a
real ``mlflow server --app-name basic-auth``."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import threading
from collections.abc import Iterator

ACCOUNTS = {"ana": "right-password", "ben": "other-password"}


class _BasicAuthServer(http.server.BaseHTTPRequestHandler):
    """/users/current as MLflow's basic-auth app answers it (404 when ``old`` is set: servers
    before it had only /users/get)."""

    old = False
    no_logins = False

    def do_GET(self) -> None:
        if self.no_logins or (self.old and "/users/current" in self.path):
            self._answer(404, {"error_code": "ENDPOINT_NOT_FOUND"})
            return
        header = self.headers.get("Authorization", "")
        name, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
        if ACCOUNTS.get(name) != password:
            self._answer(401, {"error_code": "UNAUTHENTICATED"})
            return
        self._answer(200, {"user": {"username": name}})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def basic_auth_server(**behaviour: bool) -> Iterator[str]:
    handler = type("Handler", (_BasicAuthServer,), behaviour)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
