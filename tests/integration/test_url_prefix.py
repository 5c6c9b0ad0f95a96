"""``champion serve --url-prefix /champion --proxy-fix 1 --users FILE``: the whole dashboard
(pages, callbacks, assets, login and logout, /health, the session cookie) under /champion, on
gunicorn directly and behind a reverse proxy. The proxy is a stand-in (``ReverseProxy``, a
stdlib HTTP server) doing what docs/deploy.md's nginx snippet does: it sends the Host of the
upstream and X-Forwarded-For, -Proto and -Host, and either forwards /champion/... unchanged or
strips /champion and sends X-Forwarded-Prefix."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import re
import secrets
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from champion.dashboard import ids, security
from champion.dashboard.auth import add_user
from champion.dashboard.config import DashboardConfig, url_prefix
from champion.demo import DemoSetup
from champion.errors import ChampionError
from support.dash_client import DashClient

from .servers import champion_serve

pytestmark = pytest.mark.slow

PREFIX = "/champion"
OPERATOR = ("olga", "olga-password-1")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


# --------------------------------------------------------------------------- the stand-in proxy


class ReverseProxy(http.server.ThreadingHTTPServer):
    """Forwards PREFIX/... to upstream (unchanged, or with PREFIX stripped and sent as
    X-Forwarded-Prefix); anything else is 404 here. Redirects are passed back as they are."""

    daemon_threads = True

    def __init__(self, upstream: str, strip: bool) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = urlsplit(upstream).netloc
        self.strip = strip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: ReverseProxy
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        if not (self.path == PREFIX or self.path.startswith(PREFIX + "/")):
            self._send(404, [("Content-Type", "text/plain")], b"proxy: not found\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        # what nginx's proxy_pass sends by default (Host: the upstream), plus the snippet's
        # proxy_set_header lines
        headers["Host"] = self.server.upstream
        forwarded_for = self.headers.get("X-Forwarded-For")
        client = self.client_address[0]
        headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
        headers["X-Forwarded-Proto"] = "http"
        headers["X-Forwarded-Host"] = self.headers.get("Host", "")
        path = self.path
        if self.server.strip:
            path = path[len(PREFIX) :] or "/"
            headers["X-Forwarded-Prefix"] = PREFIX
        connection = http.client.HTTPConnection(self.server.upstream, timeout=120)
        try:
            connection.request(self.command, path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            self._send(answer.status, kept, content)
        finally:
            connection.close()

    def _send(self, status: int, headers: list[tuple[str, str]], content: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_HEAD = _forward

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def reverse_proxy(upstream: str, strip: bool) -> Iterator[str]:
    proxy = ReverseProxy(upstream, strip)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy.url
    finally:
        proxy.shutdown()
        proxy.server_close()


# --------------------------------------------------------------------------- the served dashboard


@pytest.fixture(scope="module")
def served(demo_setup: DemoSetup, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``champion serve`` on the demo's store under /champion, with a users file; the server's
    own address (without the prefix)."""
    root = tmp_path_factory.mktemp("url-prefix")
    users = root / "users.json"
    add_user(users, *OPERATOR, role="operator")
    options = [
        "--tracking-uri", demo_setup.tracking_uri, "--model", demo_setup.model_name,
        "--data", demo_setup.data_source, "--recipe", str(demo_setup.recipe),
        "--cache-dir", str(demo_setup.cache_dir), "--n-boot", "0", "--workers", "2",
        "--users", str(users), "--proxy-fix", "1", "--url-prefix", PREFIX,
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHAMPION_SECRET_KEY", secrets.token_hex(32))
        with champion_serve(options, root / "serve.log", ready_path=f"{PREFIX}/health") as url:
            yield url


def browser(public: str) -> requests.Session:
    """A client that sends the Origin of the address it browses, as a browser's POSTs do."""
    session = requests.Session()
    session.headers["Origin"] = public
    return session


def log_in(session: requests.Session, base: str, next_path: str | None) -> requests.Response:
    """Fill in the login form base/login (its CSRF token read from the page) as OPERATOR."""
    query = {} if next_path is None else {"next": next_path}
    page = session.get(f"{base}/login", params=query, timeout=30)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    shown_next = re.search(r'name="next" value="([^"]*)"', page.text)
    assert token, page.text[:500]
    assert shown_next, page.text[:500]
    form = {
        "csrf_token": token.group(1),
        "next": shown_next.group(1),
        "name": OPERATOR[0],
        "password": OPERATOR[1],
    }
    return session.post(f"{base}/login", data=form, timeout=60, allow_redirects=False)


def callbacks(session: requests.Session, base: str) -> DashClient:
    def get(path: str) -> bytes:
        answer = session.get(base + path, timeout=60)
        assert answer.status_code == 200, (path, answer.status_code)
        return answer.content

    def post(path: str, body: bytes, headers: Any) -> tuple[int, bytes]:
        answer = session.post(base + path, data=body, headers=dict(headers), timeout=120)
        return answer.status_code, answer.content

    return DashClient(get, post)


def picker(client: DashClient) -> tuple[int, Any]:
    """The version picker's callback (``/champion/_dash-update-component``)."""
    status, body = client.call(
        f"{ids.MODEL_PICKER}.options",
        {
            f"{ids.URL}.pathname": f"{PREFIX}/",
            f"{ids.LANG_STORE}.data": "en",
            f"{ids.VERSIONS_STORE}.data": None,
        },
        [f"{ids.URL}.pathname"],
    )
    return status, json.loads(body) if status == 200 else body


def user_box(client: DashClient) -> Any:
    status, body = client.call(
        f"{ids.USER_BOX}.children",
        {f"{ids.URL}.pathname": f"{PREFIX}/", f"{ids.LANG_STORE}.data": "en"},
        [f"{ids.URL}.pathname"],
    )
    assert status == 200, body[:300]
    return json.loads(body)


def props(tree: Any, name: str) -> list[Any]:
    """Every value of the property name anywhere in a Dash layout or callback answer."""
    if isinstance(tree, dict):
        found = [tree[name]] if name in tree else []
        return found + [v for value in tree.values() for v in props(value, name)]
    if isinstance(tree, list):
        return [v for value in tree for v in props(value, name)]
    return []


def hrefs(tree: Any) -> list[Any]:
    return props(tree, "href")


def walk_through(public: str, demo: DemoSetup) -> None:
    """Everything a browser does at public + PREFIX: be sent to the login page, load its
    stylesheets, log in, load the page, its scripts and layout, call back, log out."""
    base = public + PREFIX
    session = browser(public)

    # anonymous: to the login page, with the page asked for to come back to
    first = session.get(f"{base}/", timeout=30, allow_redirects=False)
    assert first.status_code == 302, first.text[:300]
    location = urlsplit(first.headers["Location"])
    assert location.path == f"{PREFIX}/login"
    assert parse_qs(location.query)["next"] == [f"{PREFIX}/"]
    refused = session.post(f"{base}/_dash-update-component", json={}, timeout=30)
    assert refused.status_code == 401
    assert refused.json()["login"] == f"{PREFIX}/login"

    # the login page and its stylesheets, under the prefix
    page = session.get(f"{base}/login", timeout=30).text
    assert f'action="{PREFIX}/login"' in page
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert sheets
    assert all(s.startswith(f"{PREFIX}/assets/") for s in sheets), sheets
    for sheet in sheets:
        assert session.get(public + sheet.split("?")[0], timeout=30).status_code == 200

    # redirects after the login stay inside the prefix
    for asked in ("https://evil.example/", "//evil.example/", "/elsewhere", f"{PREFIX}/../x"):
        stray = log_in(browser(public), base, asked)
        assert stray.status_code == 302
        assert stray.headers["Location"] == f"{PREFIX}/", (asked, stray.headers["Location"])

    done = log_in(session, base, f"{PREFIX}/curves")
    assert done.status_code == 302, done.text[:300]
    assert done.headers["Location"] == f"{PREFIX}/curves"
    [cookie] = [c for c in session.cookies if c.name == "champion_session"]
    assert cookie.path == PREFIX

    # the page, its scripts and layout, and callbacks
    index = session.get(f"{base}/curves", timeout=30)
    assert index.status_code == 200
    config = re.search(
        r'<script id="_dash-config" type="application/json">(.*?)</script>', index.text
    )
    assert config, index.text[:500]
    assert json.loads(config.group(1))["requests_pathname_prefix"] == f"{PREFIX}/"
    scripts = re.findall(r'<script src="([^"]+)"', index.text)
    assert scripts
    assert all(s.startswith(f"{PREFIX}/") for s in scripts), scripts
    assert session.get(public + scripts[0], timeout=30).status_code == 200
    layout = session.get(f"{base}/_dash-layout", timeout=30).json()
    assert f"{PREFIX}/curves" in hrefs(layout), hrefs(layout)
    client = callbacks(session, base)
    status, answer = picker(client)
    assert status == 200, answer
    values = answer["response"][ids.MODEL_PICKER]["options"]
    assert sorted(v["value"] for v in values) == sorted(demo.versions.values())
    box = user_box(client)
    assert OPERATOR[0] in json.dumps(box)
    assert f"{PREFIX}/logout" in props(box, "action"), box

    # a POST from another site's page is refused, although it carries the cookie
    foreign = session.post(
        f"{base}/_dash-update-component",
        data=client.body(f"{ids.USER_BOX}.children", {}, []),
        headers={"Content-Type": "application/json", "Origin": "https://evil.example"},
        timeout=30,
    )
    assert foreign.status_code == 403

    # logout: back to the login page, and the session is over
    out = session.post(f"{base}/logout", timeout=30, allow_redirects=False)
    assert out.status_code == 302
    assert out.headers["Location"] == f"{PREFIX}/login"
    after = session.get(f"{base}/", timeout=30, allow_redirects=False)
    assert after.status_code == 302
    assert picker(client)[0] == 401


def test_the_dashboard_is_served_under_the_prefix(served: str, demo_setup: DemoSetup) -> None:
    walk_through(served, demo_setup)


def test_health_answers_at_the_prefix_and_nothing_else_outside_it(served: str) -> None:
    for path in (f"{PREFIX}/health", "/health"):
        answer = requests.get(served + path, timeout=30)
        assert (answer.status_code, answer.text) == (200, "ok"), path
    bare = requests.get(served + PREFIX, timeout=30, allow_redirects=False)
    assert bare.status_code == 308
    assert bare.headers["Location"] == f"{PREFIX}/"
    for path in ("/", "/login", "/assets/champion.css", "/other/health"):
        assert requests.get(served + path, timeout=30).status_code == 404, path


@pytest.mark.parametrize("strip", [False, True], ids=["forwarded-unchanged", "prefix-stripped"])
def test_behind_a_reverse_proxy(served: str, demo_setup: DemoSetup, strip: bool) -> None:
    """The same walk through the stand-in proxy: POSTs pass the same-origin check only because
    --proxy-fix 1 believes X-Forwarded-Host (the proxy sends the upstream's Host)."""
    with reverse_proxy(served, strip) as public:
        walk_through(public, demo_setup)
        assert requests.get(f"{public}{PREFIX}/health", timeout=30).text == "ok"


# --------------------------------------------------------------------------- the option itself


@pytest.mark.parametrize(
    ("given", "served_under"),
    [("/", "/"), ("", "/"), ("/champion", "/champion/"), ("champion/", "/champion/"),
     (" /ml/champion/ ", "/ml/champion/"), ("/v1.2_a-b~c", "/v1.2_a-b~c/")],
)  # fmt: skip
def test_the_prefix_is_normalised(given: str, served_under: str) -> None:
    assert url_prefix(given) == served_under
    config = DashboardConfig("sqlite:///x.db", "m", "d.csv", url_prefix=given)
    assert config.url_prefix == served_under


@pytest.mark.parametrize(
    "given", ["/a//b", "/../x", "/./x", "/a b", "/é", "https://host/x", "/a?b", "/a#b", "/%2e"]
)
def test_odd_prefixes_are_refused_naming_the_option(given: str) -> None:
    with pytest.raises(ChampionError, match=r"--url-prefix .*CHAMPION_URL_PREFIX"):
        DashboardConfig("sqlite:///x.db", "m", "d.csv", url_prefix=given)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/champion/curves?x=1", "/champion/curves?x=1"),
        ("/champion/", "/champion/"),
        ("/champion", "/champion"),
        (None, "/champion/"),
        ("/curves", "/champion/"),
        ("/championship", "/champion/"),
        ("https://evil.example/champion/", "/champion/"),
        ("//evil.example/champion/", "/champion/"),
        ("/champion/../admin", "/champion/"),
        ("/champion/%2e%2e/admin", "/champion/"),
        ("/champion/./curves", "/champion/"),
        ("/champion/\\evil.example", "/champion/"),
    ],
)
def test_safe_next_keeps_redirects_inside_the_prefix(target: str | None, expected: str) -> None:
    assert security.safe_next(target, "/champion/") == expected
