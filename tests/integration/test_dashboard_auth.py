"""Access control and security headers of the real dashboard (demo store), through Flask's test
client: every route is either allowed without a login or refused, logins, hand-made callback
POSTs, the headers on every kind of response, and no debugger."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from dash import Input, Output, html
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from champion.dashboard import auth, ids, security
from champion.dashboard.app import create_app
from champion.dashboard.auth import AccessDenied, UserStore, add_user, require_operator
from champion.dashboard.config import DashboardConfig
from champion.dashboard.server import check_sessions_shared
from champion.errors import ChampionError
from support.dash_client import DashClient

KEY = "s" * 48
OPERATOR = ("olga", "operator-pass")
VIEWER = ("victor", "viewer-pass")
UPDATE = "/_dash-update-component"
# A value for each variable part of a route, to request it; a route with another variable makes
# the enumeration test fail until someone decides what it is and whether it needs a login.
SAMPLE_ARGS = {
    "path": "registry",
    "filename": "champion.css",
    "package_name": "dash",
    "fingerprinted_path": "dcc/dash_core_components.v4_4_1m1.js",
}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dashboard-users") / "users.json"
    add_user(path, *OPERATOR, role="operator")
    add_user(path, *VIEWER, role="viewer")
    return path


@pytest.fixture(scope="module")
def auth_app(config: DashboardConfig, users_file: Path) -> dash.Dash:
    return create_app(dataclasses.replace(config, users_file=users_file, secret_key=KEY))


@pytest.fixture
def client(auth_app: dash.Dash) -> FlaskClient:
    made: FlaskClient = auth_app.server.test_client()
    return made


@pytest.fixture
def audit(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO, logger="champion.audit"):
        yield caplog


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def log_in(client: FlaskClient, name: str, password: str, **extra: str) -> Any:
    form = {"csrf_token": csrf_token(client), "name": name, "password": password, **extra}
    return client.post("/login", data=form)


def dash_client(client: FlaskClient) -> DashClient:
    """The callbacks of the app, called with client's cookies (its login)."""

    def get(path: str) -> bytes:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return bytes(response.data)

    def post(path: str, body: bytes, headers: Any) -> tuple[int, bytes]:
        response = client.post(path, data=body, headers=dict(headers))
        return response.status_code, bytes(response.data)

    return DashClient(get, post)


def user_box(client: FlaskClient) -> str:
    status, body = dash_client(client).call(
        f"{ids.USER_BOX}.children", {f"{ids.URL}.pathname": "/"}, [f"{ids.URL}.pathname"]
    )
    assert status == 200, body[:300]
    return json.dumps(json.loads(body)["response"])


def example_url(rule: Rule) -> str:
    """The rule's path with SAMPLE_ARGS in its variable parts."""
    url = rule.rule
    for converter in re.findall(r"<[^>]+>", rule.rule):
        name = converter.strip("<>").split(":")[-1]
        assert name in SAMPLE_ARGS, f"route {rule.rule} has no sample {name!r}: decide on it"
        url = url.replace(converter, SAMPLE_ARGS[name])
    return url


def refused(response: Any) -> bool:
    """The login gate's answer: 401 JSON for API requests, a redirect to /login for pages."""
    if response.status_code == 401:
        return bool(
            response.get_json(silent=True) == {"error": "login required", "login": "/login"}
        )
    return bool(response.status_code == 302 and response.location.startswith("/login?next="))


# --------------------------------------------------------------------------- the login gate


def test_every_route_is_allowed_by_name_or_refused_without_a_login(
    auth_app: dash.Dash, client: FlaskClient
) -> None:
    # Widening the allow-list is a decision to review: it is spelled out here.
    allowed = {"champion_login", "champion_logout", "champion_health"}
    assert allowed | {"_dash_assets.static", "/_favicon.ico"} == auth.ALLOWED_ENDPOINTS
    rules = list(auth_app.server.url_map.iter_rules())
    assert {r.endpoint for r in rules} >= auth.ALLOWED_ENDPOINTS  # the allow-list is not stale
    operator = auth_app.server.test_client()
    assert log_in(operator, *OPERATOR).status_code == 302
    checked = 0
    for rule in rules:
        url = example_url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD"}):
            response = client.open(url, method=method)
            if rule.endpoint in auth.ALLOWED_ENDPOINTS:
                assert not refused(response), (rule.rule, method, response.status_code)
            else:
                assert refused(response), f"{method} {url} answered {response.status_code}"
                # ... and it is the login that matters: logged in, the gate lets it through
                assert not refused(operator.open(url, method=method)), (method, url)
            checked += 1
    assert checked >= 15


def test_pages_redirect_to_the_login_and_back(client: FlaskClient) -> None:
    response = client.get("/curves?x=1")
    assert response.status_code == 302
    assert response.location == "/login?next=/curves?x%3D1"
    assert 'name="next" value="/curves?x=1"' in client.get(response.location).get_data(True)
    token = csrf_token(client, response.location)
    form = {"csrf_token": token, "name": OPERATOR[0], "password": OPERATOR[1], "next": "/curves"}
    assert client.post("/login", data=form).location == "/curves"
    assert client.get("/curves").status_code == 200


def test_login_as_viewer_and_as_operator(auth_app: dash.Dash, audit: Any) -> None:
    for (name, password), role in ((VIEWER, "viewer"), (OPERATOR, "operator")):
        client = auth_app.server.test_client()
        response = log_in(client, name, password)
        assert (response.status_code, response.location) == (302, "/")
        cookie = response.headers["Set-Cookie"]
        assert "champion_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Expires=" in cookie  # ends with the session lifetime, not only the browser
        assert client.get("/").status_code == 200
        assert client.get("/_dash-layout").status_code == 200
        assert f"{name} ({role})" in user_box(client)
    assert [r.getMessage().split(":")[0] for r in audit.records] == ["login", "login"]


def test_a_wrong_password_is_refused_and_logged(client: FlaskClient, audit: Any) -> None:
    response = log_in(client, OPERATOR[0], VIEWER[1])
    assert response.status_code == 401
    assert "Wrong name or password." in response.get_data(as_text=True)
    assert refused(client.get("/"))
    assert refused(client.get("/_dash-layout"))
    assert log_in(client, "nobody", "whatever-pass").status_code == 401
    assert [r.levelname for r in audit.records] == ["WARNING", "WARNING"]
    assert "login refused: name='olga'" in audit.records[0].getMessage()


def test_the_login_form_needs_this_sessions_token(auth_app: dash.Dash, client: FlaskClient) -> None:
    elsewhere = csrf_token(auth_app.server.test_client())
    for token in ("", elsewhere):  # a form posted by another site has neither
        form = {"csrf_token": token, "name": OPERATOR[0], "password": OPERATOR[1]}
        response = client.post("/login", data=form)
        assert response.status_code == 400
        assert refused(client.get("/"))


def test_login_never_redirects_to_another_site(client: FlaskClient) -> None:
    response = log_in(client, *VIEWER, next="//evil.example/")
    assert response.location == "/"


def test_logout_ends_the_session(client: FlaskClient) -> None:
    log_in(client, *OPERATOR)
    # only a POST logs out: a GET (a link, an image on another site) is the app's page
    assert client.get("/logout").status_code == 200
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.location == "/login"
    assert refused(client.get("/"))
    # without a session cookie (a cross-site POST) logout changes nothing, not even a cookie
    assert "Set-Cookie" not in client.post("/logout").headers


def test_an_anonymous_callback_post_is_refused_and_logged(client: FlaskClient, audit: Any) -> None:
    body = {
        "output": f"{ids.MODEL_PICKER}.options",
        "outputs": {"id": ids.MODEL_PICKER, "property": "options"},
        "inputs": [{"id": ids.URL, "property": "pathname", "value": "/"}],
        "changedPropIds": [f"{ids.URL}.pathname"],
    }
    response = client.post(UPDATE, json=body)
    assert response.status_code == 401
    assert response.get_json() == {"error": "login required", "login": "/login"}
    (record,) = audit.records
    assert record.levelname == "WARNING"
    assert (record.outcome, record.user, record.path) == ("refused", "anonymous", UPDATE)
    assert record.callback == f"{ids.MODEL_PICKER}.options"


def test_a_viewer_calls_the_read_callbacks(auth_app: dash.Dash) -> None:
    client = auth_app.server.test_client()
    log_in(client, *VIEWER)
    status, _ = dash_client(client).call(
        f"{ids.MODEL_PICKER}.options", {f"{ids.URL}.pathname": "/"}, [f"{ids.URL}.pathname"]
    )
    assert status == 200


def write_app(users: UserStore | None, written: list[str]) -> dash.Dash:
    """A small app with one write callback guarded like the dashboard's: require_operator."""
    app = dash.Dash(__name__)
    app.layout = html.Div([html.Button(id="go"), html.Div(id="out")])

    @app.callback(Output("out", "children"), Input("go", "n_clicks"), prevent_initial_call=True)
    def write(_clicks: int | None) -> str:
        try:
            user = require_operator("write a value")
        except AccessDenied as err:
            return str(err)
        written.append(user.name)
        return "written"

    auth.install(app, users, secret_key=KEY)
    security.harden(app)
    return app


WRITE_BODY = {
    "output": "out.children",
    "outputs": {"id": "out", "property": "children"},
    "inputs": [{"id": "go", "property": "n_clicks", "value": 1}],
    "changedPropIds": ["go.n_clicks"],
}


def test_hand_made_write_posts_change_nothing_unless_from_an_operator(
    users_file: Path, audit: Any
) -> None:
    written: list[str] = []
    app = write_app(UserStore.load(users_file), written)
    anonymous, viewer, operator = (app.server.test_client() for _ in range(3))
    log_in(viewer, *VIEWER)
    log_in(operator, *OPERATOR)
    audit.clear()
    assert anonymous.post(UPDATE, json=WRITE_BODY).status_code == 401
    response = viewer.post(UPDATE, json=WRITE_BODY)
    assert response.status_code == 200
    assert "victor is a viewer" in response.get_data(as_text=True)
    assert written == []
    assert "written" in operator.post(UPDATE, json=WRITE_BODY).get_data(as_text=True)
    assert written == ["olga"]
    seen = [(r.outcome, r.user, r.callback) for r in audit.records]
    assert seen == [
        ("refused", "anonymous", "out.children"),
        ("refused", "victor", "out.children"),
        ("allowed", "olga", "out.children"),
    ]


def test_without_users_every_write_is_refused_and_logged(audit: Any) -> None:
    written: list[str] = []
    client = write_app(None, written).server.test_client()
    response = client.post(UPDATE, json=WRITE_BODY)
    assert response.status_code == 200
    assert "read-only" in response.get_data(as_text=True)
    assert written == []
    assert [(r.outcome, r.user) for r in audit.records] == [("refused", "anonymous")]


def test_require_operator_in_the_real_app(auth_app: dash.Dash, audit: Any) -> None:
    viewer, operator = auth.User(VIEWER[0], "viewer"), auth.User(OPERATOR[0], "operator")
    for user in (viewer, None, operator):
        with auth_app.server.test_request_context(UPDATE, method="POST"):
            if user is not None:
                auth.sign_in(user)
            if user is operator:
                assert require_operator("promote version 2") == operator
            else:
                with pytest.raises(AccessDenied):
                    require_operator("promote version 2")
    assert [(r.outcome, r.user) for r in audit.records] == [
        ("refused", "victor"),
        ("refused", "anonymous"),
        ("allowed", "olga"),
    ]


def test_the_navbar_says_read_only_without_users(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # no login page in the way
    assert ids.READ_ONLY_BADGE in user_box(client)
    assert ids.LOGOUT_BUTTON not in user_box(client)


# --------------------------------------------------------------------------- headers, health


def assert_security_headers(response: Any) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src "))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_security_headers_on_every_kind_of_response(auth_app: dash.Dash, app: dash.Dash) -> None:
    client = auth_app.server.test_client()
    for path, status in (
        ("/", 302),
        ("/login", 200),
        ("/_dash-layout", 401),
        ("/assets/champion.css", 200),
        ("/assets/missing.css", 404),
        ("/health", 200),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert_security_headers(response)
    log_in(client, *VIEWER)
    for path in ("/", "/registry", "/_dash-layout", "/_dash-dependencies"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)
    # the app without users too (gunicorn serves this same Flask app)
    assert_security_headers(app.server.test_client().get("/"))


def test_the_csp_allows_exactly_the_inline_scripts_of_the_page(app: dash.Dash) -> None:
    response = app.server.test_client().get("/")
    # scripts inside comments (Dash's message for Internet Explorer) never run
    page = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, flags=re.S)
    executed = [body for attrs, body in inline if "application/json" not in attrs]
    assert len(executed) >= 1  # at least Dash's renderer start
    csp = response.headers["Content-Security-Policy"]
    hashes = set(re.findall(r"'sha256-[^']+'", csp))
    for body in executed:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in hashes, body[:200]
    assert len(hashes) == len(executed)


def test_health_answers_without_a_login(client: FlaskClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
    assert response.mimetype == "text/plain"


def test_no_debugger_even_with_flask_debug_set(
    config: DashboardConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(config)
    assert app.server.debug is False

    def boom() -> str:
        raise RuntimeError("secret detail in a traceback")

    app.server.add_url_rule("/boom", "boom", boom)
    response = app.server.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body
    assert "Traceback" not in body
    assert "debugger" not in body.lower()
    assert_security_headers(response)


def test_several_workers_with_logins_need_a_shared_key(
    config: DashboardConfig, users_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(security.SECRET_KEY_ENV, raising=False)
    with_users = dataclasses.replace(config, users_file=users_file)
    check_sessions_shared(with_users, 1)
    check_sessions_shared(config, 4)  # no logins, no sessions to share
    with pytest.raises(ChampionError, match="CHAMPION_SECRET_KEY"):
        check_sessions_shared(with_users, 2)
    check_sessions_shared(dataclasses.replace(with_users, secret_key=KEY), 2)
    monkeypatch.setenv(security.SECRET_KEY_ENV, KEY)
    check_sessions_shared(with_users, 2)
    assert KEY not in repr(dataclasses.replace(with_users, secret_key=KEY))


# --------------------------------------------------------------------------- failed logins


def test_failed_logins_are_limited_per_user_before_any_hashing(
    users_file: Path, monkeypatch: pytest.MonkeyPatch, audit: Any
) -> None:
    app = write_app(UserStore.load(users_file), [])
    hashed: list[str] = []
    check = UserStore.check
    monkeypatch.setattr(
        UserStore, "check", lambda self, name, pw: hashed.append(name) or check(self, name, pw)
    )
    client = app.server.test_client()
    for _ in range(5):
        assert log_in(client, OPERATOR[0], "wrong-password").status_code == 401
    assert len(hashed) == 5
    for password in ("wrong-password", OPERATOR[1]):  # now even the right one waits
        response = log_in(client, OPERATOR[0], password)
        assert response.status_code == 429
        assert 840 <= int(response.headers["Retry-After"]) <= 900
        assert "Too many failed logins. Try again in 15 min." in response.get_data(True)
        assert refused(client.get("/"))
    assert len(hashed) == 5  # no scrypt for a refused attempt
    japanese = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "name": OPERATOR[0], "password": OPERATOR[1]},
        headers={"Accept-Language": "ja"},
    )
    assert "ログインの失敗が多すぎます" in japanese.get_data(True)
    # another user is not held up
    assert log_in(client, *VIEWER).status_code == 302
    assert any("login throttled: name='olga'" in r.getMessage() for r in audit.records)


def test_failed_logins_are_limited_per_address(users_file: Path) -> None:
    app = write_app(UserStore.load(users_file), [])
    attacker = app.server.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    for n in range(20):
        assert log_in(attacker, f"guess{n}", "wrong-password").status_code == 401
    response = log_in(attacker, *VIEWER)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    colleague = app.server.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    assert log_in(colleague, *VIEWER).status_code == 302


# --------------------------------------------------------------------------- revoking sessions


def test_a_cookie_copied_before_logout_is_refused_after_it(auth_app: dash.Dash) -> None:
    client = auth_app.server.test_client()
    log_in(client, *VIEWER)
    cookie = client.get_cookie("champion_session")
    assert cookie is not None
    thief = auth_app.server.test_client()
    thief.set_cookie("champion_session", cookie.value)
    assert thief.get("/").status_code == 200
    assert client.post("/logout").location == "/login"
    assert refused(thief.get("/"))
    assert refused(thief.get("/_dash-layout"))
    log_in(client, *VIEWER)  # logging in again opens a new session
    assert client.get("/").status_code == 200


def test_a_new_password_ends_the_sessions_at_once(config: DashboardConfig, tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, *OPERATOR, role="operator")
    app = write_app(UserStore.load(path), [])
    client = app.server.test_client()
    log_in(client, *OPERATOR)
    assert "written" in client.post(UPDATE, json=WRITE_BODY).get_data(as_text=True)
    add_user(path, OPERATOR[0], "a-new-password", role="operator")  # the server runs on
    assert client.post(UPDATE, json=WRITE_BODY).status_code == 401


# --------------------------------------------------------------------------- cross-origin writes


def test_a_cross_origin_post_with_the_operators_cookie_is_refused(
    users_file: Path, audit: Any
) -> None:
    written: list[str] = []
    app = write_app(UserStore.load(users_file), written)
    client = app.server.test_client()
    log_in(client, *OPERATOR)
    audit.clear()
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "http://localhost:8050"},  # another port: another origin
    ):
        response = client.post(UPDATE, json=WRITE_BODY, headers=headers)
        assert response.status_code == 403, headers
        assert response.get_json() == {"error": "cross-origin request refused"}
    assert written == []
    records = [r for r in audit.records if r.levelno == logging.WARNING]
    assert len(records) == 5
    assert (records[0].outcome, records[0].user) == ("refused", "olga")
    assert "http://evil.example" in records[0].action
    # the dashboard's own pages (the browser sends its origin), and scripts without one
    for headers in ({"Origin": "http://localhost"}, {"Referer": "http://localhost/registry"}, {}):
        assert "written" in client.post(UPDATE, json=WRITE_BODY, headers=headers).get_data(True)
    # logging out and in from another site is refused too
    assert client.post("/logout", headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.get("/").status_code == 200


def test_trusted_origins_secure_cookies_and_proxy_hops_from_the_config(
    config: DashboardConfig, users_file: Path, audit: Any
) -> None:
    settings = dataclasses.replace(
        config,
        users_file=users_file,
        secret_key=KEY,
        trusted_origins=("https://dash.example.com",),
        secure_cookies=True,
        proxy_fix=1,
    )
    app = create_app(settings)
    client = app.server.test_client()
    response = log_in(client, *VIEWER)
    assert "; Secure" in response.headers["Set-Cookie"]
    layout = {"Origin": "https://dash.example.com"}
    assert client.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "public.example"}
    proxied = {**forwarded, "X-Forwarded-Proto": "https", "Origin": "https://public.example"}
    assert (
        client.post("/logout", headers={**forwarded, "Origin": "http://x.example"}).status_code
        == 403
    )
    refusal = [r for r in audit.records if r.levelno == logging.WARNING][-1]
    assert refusal.remote == "203.0.113.9"  # the client's address, from the proxy
    assert client.post("/logout", headers=proxied).status_code == 302
    assert client.post("/logout", headers=layout).status_code == 302


def test_serve_passes_the_network_options_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from champion.cli.main import champion as champion_cli

    seen: list[DashboardConfig] = []

    def stop(config: DashboardConfig) -> None:
        seen.append(config)
        raise SystemExit(0)

    monkeypatch.setattr("champion.dashboard.backend.DashboardBackend.__init__", stop_init(stop))
    args = ["serve", "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}", "--model", "m"]
    args += ["--data", str(tmp_path / "x.csv"), "--trusted-origin", "https://A.example/"]
    args += ["--trusted-origin", "http://10.0.0.5:8050", "--secure-cookies", "--proxy-fix", "2"]
    args += ["--session-idle-hours", "1", "--session-max-days", "2"]
    result = CliRunner().invoke(champion_cli, args)
    assert result.exit_code == 0, result.output
    (chosen,) = seen
    assert chosen.trusted_origins == ("https://a.example", "http://10.0.0.5:8050")
    assert (chosen.secure_cookies, chosen.proxy_fix) == (True, 2)
    assert (chosen.session_idle_hours, chosen.session_max_days) == (1.0, 2.0)
    bad = CliRunner().invoke(champion_cli, [*args, "--trusted-origin", "https://x.example/app"])
    assert bad.exit_code != 0
    assert "is not an origin" in bad.output


def stop_init(stop: Any) -> Any:
    def init(self: Any, config: DashboardConfig, *_: Any, **__: Any) -> None:
        stop(config)

    return init
