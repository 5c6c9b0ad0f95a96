"""Request size limits: a large body is refused with 413 before the login check, its audit line
or Dash read it, whether its length is declared or not."""

from __future__ import annotations

import dataclasses
import io
import logging
from pathlib import Path

import dash
import flask
import pytest
from werkzeug.exceptions import RequestEntityTooLarge

from champion.dashboard import auth
from champion.dashboard.app import create_app
from champion.dashboard.auth import add_user
from champion.dashboard.config import DashboardConfig

LIMIT = 64_000


@pytest.fixture(scope="module")
def limited_app(config: DashboardConfig, tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    users = tmp_path_factory.mktemp("limit-users") / "users.json"
    add_user(users, "olga", "operator-pass", role="operator")
    limited = dataclasses.replace(
        config, users_file=users, secret_key="k" * 48, max_request_bytes=LIMIT
    )
    return create_app(limited)


def test_an_anonymous_large_post_is_refused_unread(
    limited_app: dash.Dash, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def must_not_parse() -> str:
        raise AssertionError("the audit parsed a body over the limit")

    monkeypatch.setattr(auth, "_callback_output", must_not_parse)
    body = b'{"output": "x", "inputs": [' + b"1," * 2_000_000 + b"1]}"  # ~4 MB
    client = limited_app.server.test_client()
    with caplog.at_level(logging.WARNING, logger="champion.audit"):
        response = client.post(
            "/_dash-update-component", data=body, content_type="application/json"
        )
    assert response.status_code == 413
    message = response.get_json()["error"]
    assert f"{LIMIT:,} bytes" in message
    assert "--max-request-bytes" in message
    assert any("over 64000" in r.getMessage() for r in caplog.records)


def test_a_body_of_undeclared_length_is_read_no_further_than_the_limit(
    limited_app: dash.Dash, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[object] = []

    def reading() -> None:
        try:
            seen.append(len(flask.request.get_data()))
        except RequestEntityTooLarge as exc:
            seen.append(exc)

    monkeypatch.setattr(auth, "_callback_output", reading)
    client = limited_app.server.test_client()
    response = client.post(
        "/_dash-update-component",
        input_stream=io.BytesIO(b'{"output": "' + b"x" * 200_000 + b'"}'),  # no Content-Length
        headers={"Transfer-Encoding": "chunked"},
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code in (401, 413)  # refused either way
    assert len(seen) == 1
    assert isinstance(seen[0], RequestEntityTooLarge) or int(seen[0]) <= LIMIT  # type: ignore[call-overload]


def test_small_requests_pass(limited_app: dash.Dash, tmp_path: Path) -> None:
    client = limited_app.server.test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200


def test_the_audit_does_not_parse_a_body_under_the_limit_but_over_its_own(
    config: DashboardConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = tmp_path / "users.json"
    add_user(users, "olga", "operator-pass", role="operator")
    app = create_app(dataclasses.replace(config, users_file=users, secret_key="k" * 48))
    parsed: list[int] = []
    original = flask.Request.get_json

    def counting(self: flask.Request, *args: object, **kwargs: object) -> object:
        parsed.append(self.content_length or 0)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flask.Request, "get_json", counting)
    body = b'{"output": "x", "inputs": [' + b"1," * 200_000 + b"1]}"  # ~400 KB < 1 MB
    response = app.server.test_client().post(
        "/_dash-update-component", data=body, content_type="application/json"
    )
    assert response.status_code == 401  # refused, anonymous
    assert parsed == []  # without reading 400 KB of JSON for an audit line
