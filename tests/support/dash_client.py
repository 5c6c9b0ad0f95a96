"""Call a Dash app's callbacks over HTTP, as the browser does.

The browser POSTs to ``/_dash-update-component`` a body naming the callback's output and the
current values of its inputs and states; the callbacks are described at ``/_dash-dependencies``.
This client reads that description once and builds the same bodies, so tests and benchmarks
exercise the real request path (routing, JSON, the callback, serialisation).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# post(path, body bytes, headers) -> (status, response bytes)
Transport = Callable[[str, bytes, Mapping[str, str]], tuple[int, bytes]]


def _prop_id(item: Mapping[str, Any]) -> str:
    ident = item["id"]
    text = ident if isinstance(ident, str) else json.dumps(ident, sort_keys=True)
    return f"{text}.{item['property']}"


def _outputs(output: str) -> list[dict[str, str]]:
    """ "..a.children...b.figure.." -> [{"id": "a", "property": "children"}, ...]."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    found = []
    for part in parts:
        ident, _, prop = part.rpartition(".")
        found.append({"id": ident, "property": prop.split("@")[0]})
    return found


@dataclass(frozen=True)
class Callback:
    output: str
    inputs: list[dict[str, Any]]
    state: list[dict[str, Any]]


class DashClient:
    """Callbacks of one Dash app, found by an output ("overview-verdict.children")."""

    def __init__(self, get: Callable[[str], bytes], post: Transport) -> None:
        self._post = post
        self.callbacks = [
            Callback(d["output"], d["inputs"], d["state"])
            for d in json.loads(get("/_dash-dependencies"))
        ]

    def find(self, output: str) -> Callback:
        for callback in self.callbacks:
            if output in callback.output:
                return callback
        raise KeyError(f"no callback outputs {output}")

    def body(self, output: str, values: Mapping[str, Any], changed: list[str]) -> bytes:
        """The request body: values maps "id.property" to the value the browser holds."""
        callback = self.find(output)

        def filled(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{**item, "value": values.get(_prop_id(item))} for item in items]

        payload = {
            "output": callback.output,
            "outputs": _outputs(callback.output)
            if callback.output.startswith("..")
            else _outputs(callback.output)[0],
            "inputs": filled(callback.inputs),
            "state": filled(callback.state),
            "changedPropIds": changed,
        }
        return json.dumps(payload).encode()

    def call(
        self,
        output: str,
        values: Mapping[str, Any],
        changed: list[str],
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """POST the callback; (HTTP status, response body)."""
        return self._post(
            "/_dash-update-component",
            self.body(output, values, changed),
            {"Content-Type": "application/json", **(headers or {})},
        )


def flask_client(app: Any) -> DashClient:
    """A client over a Flask test client (in process, no sockets)."""
    test = app.server.test_client()

    def get(path: str) -> bytes:
        return bytes(test.get(path).data)

    def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        response = test.post(path, data=body, headers=dict(headers))
        return response.status_code, bytes(response.data)

    return DashClient(get, post)


def http_client(base_url: str, timeout: float = 60.0) -> DashClient:
    """A client over real HTTP (a served app)."""
    base = base_url.rstrip("/")

    def get(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:
            return bytes(response.read())

    def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(base + path, data=body, headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as err:
            return int(err.code), bytes(err.read())

    return DashClient(get, post)
