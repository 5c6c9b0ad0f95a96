"""HTTP hardening of the dashboard: security headers on every response, debug off, /health,
and the login form (server-rendered HTML with a CSRF token; ``auth`` decides who logs in).

``harden(app)`` is called by ``create_app`` after every page and callback is registered, so the
headers are the same under gunicorn, Dash's development server and the Flask test client. The
Content-Security-Policy allows only what the Dash app needs in Chromium; why each source is
there is in docs/access-control.md.
"""

from __future__ import annotations

import hmac
import logging
import math
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import dash
import flask
from markupsafe import escape
from werkzeug.middleware.proxy_fix import ProxyFix

from champion.dashboard import ids
from champion.dashboard.config import web_origin
from champion.errors import ChampionError
from champion.presentation.i18n import t

HEALTH_ENDPOINT = "champion_health"
SECRET_KEY_ENV = "CHAMPION_SECRET_KEY"
MIN_SECRET_KEY = 32
SESSION_IDLE = timedelta(hours=8)  # a login ends after this long without a request
SESSION_MAX = timedelta(days=7)  # ... and this long after it started, whatever happens
CSRF_KEY = "csrf_token"  # the login form's field and the session key holding its token

# Everything comes from the dashboard's own origin (Bootstrap and plotly.js are served from the
# package, no CDN). The exceptions, each needed by the page to work:
CSP_BASE: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    # No 'unsafe-inline' and no 'unsafe-eval' for scripts: Dash's inline scripts are allowed by
    # their hashes (added per app); the charts used here (SVG, no WebGL) need no eval.
    "script-src": ("'self'",),
    # dcc, plotly.js and AG Grid insert <style> elements and style attributes whose content
    # changes at run time: no hash can list them.
    "style-src": ("'self'", "'unsafe-inline'"),
    # data: Bootstrap's radios, checkboxes and select arrows are data: SVG images;
    # blob: plotly's "download plot as PNG" draws the chart through a blob: image.
    "img-src": ("'self'", "data:", "blob:"),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The MLflow UI links open another site: it learns the origin at most, never the page.
    "Referrer-Policy": "same-origin",
}


def content_security_policy(app: dash.Dash) -> str:
    """The CSP of app: CSP_BASE, with the hashes of Dash's inline scripts (its renderer start
    and any clientside callbacks) added to script-src, so no other inline script runs."""
    directives = dict(CSP_BASE)
    directives["script-src"] = (*directives["script-src"], *app.csp_hashes())
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def health() -> flask.Response:
    """200 "ok" while the process serves requests (for load balancers and orchestrators)."""
    response = flask.make_response("ok", 200)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


def harden(app: dash.Dash) -> None:
    """Turn Flask's debug mode off (whatever FLASK_DEBUG says: the Werkzeug debugger runs code
    typed into a page), add GET /health, and set the security headers on every response."""
    server = app.server
    server.debug = False
    server.add_url_rule("/health", HEALTH_ENDPOINT, health, methods=["GET"])

    def add_headers(response: flask.Response) -> flask.Response:
        # Computed per response (hashing a few short scripts) so that inline scripts Dash adds
        # after start-up are covered too.
        response.headers["Content-Security-Policy"] = content_security_policy(app)
        response.headers.update(STATIC_HEADERS)
        return response

    server.after_request(add_headers)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class WebSettings:
    """How the dashboard faces the network: extra trusted origins for writes (a reverse proxy's
    public address; the server's own host is always trusted), the Secure flag on the session
    cookie, reverse-proxy hops whose X-Forwarded-* headers are believed, how long a login
    lasts without a request (idle) and at most (absolute), and the path the dashboard is
    served under (the session cookie's path)."""

    trusted_origins: tuple[str, ...] = ()
    secure_cookies: bool = False
    proxy_fix: int = 0
    idle: timedelta = SESSION_IDLE
    absolute: timedelta = SESSION_MAX
    url_prefix: str = "/"

    @classmethod
    def of(cls, config: Any) -> WebSettings:
        """The settings of a DashboardConfig."""
        return cls(
            trusted_origins=tuple(config.trusted_origins),
            secure_cookies=bool(config.secure_cookies),
            proxy_fix=int(config.proxy_fix),
            idle=timedelta(hours=config.session_idle_hours),
            absolute=timedelta(days=config.session_max_days),
            url_prefix=str(getattr(config, "url_prefix", "/")),
        )


SETTINGS_KEY = "champion.web"  # app.server.config key: the WebSettings of the app


def settings() -> WebSettings:
    """The WebSettings of the current app (the defaults outside one)."""
    found = flask.current_app.config.get(SETTINGS_KEY) if flask.has_app_context() else None
    return found if isinstance(found, WebSettings) else WebSettings()


def apply_proxy_fix(app: dash.Dash, hops: int) -> None:
    """Believe the X-Forwarded-For, -Proto, -Host, -Port and -Prefix headers set by hops
    reverse proxies in front of the server (werkzeug's ProxyFix): the client's address in the
    audit log and login limits, the public host and scheme in the same-origin check, and the
    path prefix a proxy stripped (SCRIPT_NAME, see ``app.ServedUnder``)."""
    if hops > 0:
        server = app.server
        server.wsgi_app = ProxyFix(
            server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


# --------------------------------------------------------------------------- same origin


def _host_of(origin: str) -> str:
    return origin.split("://", 1)[1]


def foreign_origin(trusted: tuple[str, ...] = ()) -> str | None:
    """What a state-changing request (anything but GET, HEAD, OPTIONS) came from when that is
    neither this server's host nor one of trusted: the Origin header, or without it the
    Referer; None when the request is fine. A request with neither header does not come from
    a browser page (browsers send Origin with every POST), so it cannot ride on a user's
    session cookie and is let through."""
    request = flask.request
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent:
        return None
    origin, own = web_origin(sent), web_origin(request.host_url)
    if origin is not None and (origin in trusted or (own and _host_of(origin) == _host_of(own))):
        return None
    return sent[:200]


# --------------------------------------------------------------------------- sessions


def secret_key_from(configured: str | None) -> str | None:
    """The session signing key: configured, else $CHAMPION_SECRET_KEY, else None; a
    ChampionError when it is shorter than MIN_SECRET_KEY characters."""
    key = configured or os.environ.get(SECRET_KEY_ENV) or None
    if key is not None and len(key) < MIN_SECRET_KEY:
        raise ChampionError(
            f"the session secret key has {len(key)} characters; use at least {MIN_SECRET_KEY}, "
            f'e.g. {SECRET_KEY_ENV}=$(python -c "import secrets; print(secrets.token_hex(32))").'
        )
    return key


def session_key(configured: str | None) -> str:
    """The key sessions are signed with (see secret_key_from), else a random key of this
    process, with a warning."""
    key = secret_key_from(configured)
    if key is None:
        key = secrets.token_hex(32)
        logging.getLogger("champion.dashboard").warning(
            "no %s set: sessions are signed with a random key of this process, so logins end "
            "when it restarts and are not shared between several workers.",
            SECRET_KEY_ENV,
        )
    return key


def configure_sessions(
    app: dash.Dash, secret_key: str | None, web: WebSettings | None = None
) -> None:
    """Sign app's session cookies with secret_key (see secret_key_from; a random key of this
    process when there is none, with a warning) and make them HttpOnly, SameSite=Lax, Secure
    when web.secure_cookies, and expire after web.idle without a request; the cookie's path is
    web.url_prefix (without its last "/", so that the prefix itself matches too)."""
    web = web or WebSettings()
    app.server.secret_key = session_key(secret_key)
    app.server.config.update(
        SESSION_COOKIE_NAME="champion_session",
        SESSION_COOKIE_HTTPONLY=True,
        # Lax: the cookie is not sent with cross-site POSTs, so another site cannot make a
        # logged-in browser call a write callback or log it in or out.
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure: the browser sends the cookie over HTTPS only (behind a TLS reverse proxy).
        SESSION_COOKIE_SECURE=web.secure_cookies,
        PERMANENT_SESSION_LIFETIME=web.idle,
        SESSION_COOKIE_PATH=web.url_prefix.rstrip("/") or "/",
    )


# --------------------------------------------------------------------------- the login form


def mount_point() -> str:
    """The path this request's app is served under, "/" or "/champion/" (the part of the URL
    before Flask's routes: SCRIPT_NAME); "/" outside a request."""
    root = flask.request.script_root if flask.has_request_context() else ""
    return root.rstrip("/") + "/"


def safe_next(target: str | None, root: str = "/") -> str:
    """target if it is a path on this site under root (the mount point, see mount_point),
    else root: no open redirect to another host, nor out of the dashboard's prefix (no "." or
    ".." segments, also percent-encoded, which a browser would resolve)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return root
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return root
    if not (target.startswith(root) or parts.path == root.rstrip("/")):
        return root
    path = unquote(parts.path)
    if "\\" in path or any(segment in (".", "..") for segment in path.split("/")):
        return root
    return target


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {heading}</title><link rel="icon" href="{favicon}">{links}
</head><body class="bg-light"><main class="container login-box">
<h1 class="h4 mb-3">{title}</h1>{error}
<form method="post" action="{action}" id="{form_id}">
<input type="hidden" name="csrf_token" value="{token}">
<input type="hidden" name="next" value="{next}">
<div class="mb-3"><label class="form-label" for="{name_id}">{name_label}</label>
<input class="form-control" id="{name_id}" name="name" value="{name}" autocomplete="username"
 required autofocus></div>
<div class="mb-3"><label class="form-label" for="{password_id}">{password_label}</label>
<input class="form-control" id="{password_id}" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit" id="{submit_id}">{submit}</button>
</form></main></body></html>
"""


LANG_KEY = "champion.lang"  # the server's default language, in the Flask app's config


def request_language(app: dash.Dash) -> str:
    """The language of a server-rendered page: the browser's preference between English and
    Japanese (Accept-Language), else the server's --lang."""
    default = str(app.server.config.get(LANG_KEY, "en"))
    return flask.request.accept_languages.best_match(["en", "ja"], default=default) or default


def login_page(
    app: dash.Dash,
    status: int = 200,
    *,
    error: str = "",
    name: str = "",
    values: Mapping[str, object] | None = None,
) -> flask.Response:
    """The server-rendered login form (no script: it works before any login), with this
    session's CSRF token, the page to return to, and an error (an i18n key, filled with
    values) if there is one; in the browser's language (see request_language)."""
    lang = request_language(app)
    token = flask.session.setdefault(CSRF_KEY, secrets.token_urlsafe(32))
    links = "".join(
        f'<link rel="stylesheet" href="{escape(app.get_asset_url(sheet))}">'
        for sheet in ("bootstrap.min.css", "champion.css")
    )
    text = t(error, lang, **(values or {})) if error else ""
    notice = f'<div class="alert alert-danger" id="{ids.LOGIN_ERROR}">{escape(text)}</div>'
    html = _PAGE.format(
        lang=lang,
        heading=escape(t("login.title", lang)),
        name_label=escape(t("login.name", lang)),
        password_label=escape(t("login.password", lang)),
        submit=escape(t("login.submit", lang)),
        title=escape(t("title", lang)),
        favicon=escape(f"{app.config.requests_pathname_prefix}_favicon.ico"),
        links=links,
        error=notice if error else "",
        action=escape(flask.request.script_root + flask.request.path),
        token=escape(token),
        next=escape(safe_next(flask.request.values.get("next"), mount_point())),
        name=escape(name),
        form_id=ids.LOGIN_FORM,
        name_id=ids.LOGIN_NAME,
        password_id=ids.LOGIN_PASSWORD,
        submit_id=ids.LOGIN_SUBMIT,
    )
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def form_token_valid() -> bool:
    """Whether the posted form carries this session's CSRF token. A form posted from another
    site does not: the SameSite=Lax session cookie (and with it the token) is not sent."""
    held = flask.session.get(CSRF_KEY)
    sent = flask.request.form.get(CSRF_KEY, "")
    valid = isinstance(held, str) and hmac.compare_digest(held, sent)
    if not valid:
        flask.session.pop(CSRF_KEY, None)  # a new token with the next form
    return valid


# --------------------------------------------------------------------------- login limits


@dataclass
class LoginThrottle:
    """Failed logins counted per user name and per client address over a sliding window:
    past per_user failures for a name, or per_address from an address, within window seconds,
    further attempts are refused (429) without checking a password, until the oldest failure
    that counts leaves the window. Counts live in this process: each gunicorn worker keeps
    its own (see docs/access-control.md)."""

    per_user: int = 5
    per_address: int = 20
    window: float = 15 * 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _keys(self, name: str, address: str) -> tuple[tuple[str, int], ...]:
        return ((f"user:{name}", self.per_user), (f"addr:{address}", self.per_address))

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, name: str, address: str) -> int | None:
        """Seconds to wait before name may be tried from address; None: try now."""
        now = self.clock()
        waits = []
        with self._lock:
            for key, limit in self._keys(name, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[len(times) - limit] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, name: str, address: str) -> None:
        """Count a wrong password (or unknown name) for name from address."""
        now = self.clock()
        with self._lock:
            if len(self._failures) > 10_000:  # many names and addresses: drop what expired
                for key in list(self._failures):
                    self._recent(key, now)
            for key, _ in self._keys(name, address):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str) -> None:
        """A right password: the name's failures are forgiven (the address's are not)."""
        with self._lock:
            self._failures.pop(f"user:{name}", None)
