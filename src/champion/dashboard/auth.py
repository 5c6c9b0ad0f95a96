"""Who may do what on the dashboard: login sessions, the current user and the operator check.

Without logins the dashboard is read-only: everyone is the anonymous viewer and every write
refuses. With a source of users (``champion serve --users FILE``, see
:mod:`champion.dashboard.users`, or ``--auth mlflow``, see
:mod:`champion.dashboard.mlflow_logins`), every route except ``ALLOWED_ENDPOINTS`` needs a
logged-in user, and writes need the ``operator`` role. The role is checked by
``require_operator`` inside each write callback, on every call: hiding the controls is a
convenience, not the protection. Refusals go to the ``champion.audit`` logger. With MLflow's
logins, every request runs with the user's own MLflow credentials
(:mod:`champion.models.user_auth`).
"""

from __future__ import annotations

import hmac
import logging
import time

import dash
import flask
from flask.typing import ResponseReturnValue

from champion.dashboard import security
from champion.dashboard.security import HEALTH_ENDPOINT
from champion.dashboard.users import (
    ANONYMOUS,
    ANONYMOUS_NAME,
    MIN_PASSWORD,
    ROLES,
    AccessDenied,
    Logins,
    Role,
    SessionGenerations,
    User,
    UsersFileError,
    UserStore,
    add_user,
    generations_path,
)
from champion.models import user_auth

log = logging.getLogger("champion.audit")

AUTH_KEY = "champion.users"  # app.server.config key: the Logins, or None when auth is off
THROTTLE_KEY = "champion.login_throttle"  # app.server.config key: the LoginThrottle
SEEN_EVERY = 60.0  # seconds between updates of a session's last-seen time (a new cookie)
LOGIN_ENDPOINT = "champion_login"
LOGOUT_ENDPOINT = "champion_logout"

# Routes anyone may reach when auth is on: the login page and what it loads (Bootstrap from
# /assets, the favicon), logout (it only ends a session) and the health check. Everything else,
# including routes added later, needs a login: the check is deny-by-default.
ALLOWED_ENDPOINTS = frozenset(
    {LOGIN_ENDPOINT, LOGOUT_ENDPOINT, HEALTH_ENDPOINT, "_dash_assets.static", "/_favicon.ico"}
)

__all__ = [
    "ANONYMOUS",
    "ANONYMOUS_NAME",
    "MIN_PASSWORD",
    "ROLES",
    "AccessDenied",
    "Logins",
    "Role",
    "SessionGenerations",
    "User",
    "UserStore",
    "UsersFileError",
    "add_user",
    "generations_path",
]


def _now() -> float:
    """Seconds since the epoch (a function, so that tests can move the clock)."""
    return time.time()


# --------------------------------------------------------------------------- the current user


def _users() -> Logins | None:
    if not flask.has_request_context():
        return None
    store: Logins | None = flask.current_app.config.get(AUTH_KEY)
    return store


def enabled() -> bool:
    """Whether the current app has a users file (logins), rather than read-only for all."""
    return _users() is not None


def current_user() -> User:
    """The logged-in user of this request; the anonymous viewer when auth is off, outside a
    request, or when nobody (or a user no longer in the file) is logged in."""
    users = _users()
    if users is None:
        return ANONYMOUS
    cached: User | None = flask.g.get("champion_user")
    if cached is None:
        cached = ANONYMOUS
        name = flask.session.get("user")
        if isinstance(name, str) and _session_alive(users, name):
            cached = users.get(name) or ANONYMOUS
        elif name is not None:  # ended: forget it (the next response clears the cookie)
            for key in SESSION_KEYS:
                flask.session.pop(key, None)
        flask.g.champion_user = cached
    return cached


SESSION_KEYS = ("user", "fingerprint", "generation", "since", "seen")


def _session_alive(users: Logins, name: str) -> bool:
    """Whether the session names a user of the file with the password it was opened with, in
    the user's current generation (no logout or new password since), used within the idle
    lifetime and younger than the absolute one. Marks it seen now (at most every SEEN_EVERY
    seconds, each time a new cookie)."""
    session, web, now = flask.session, security.settings(), _now()
    held, generation = session.get("fingerprint"), session.get("generation")
    since, seen = session.get("since"), session.get("seen")
    expected = users.fingerprint(name)
    if not (isinstance(held, str) and expected and hmac.compare_digest(held, expected)):
        return False
    if not (
        isinstance(generation, int)
        and isinstance(since, (int, float))
        and isinstance(seen, (int, float))
    ):
        return False  # a cookie from before generations: log in again
    if generation != users.generations.of(name):
        return False
    if now - since > web.absolute.total_seconds() or now - seen > web.idle.total_seconds():
        return False
    if now - seen >= SEEN_EVERY:
        session["seen"] = now
    return True


def can_write() -> bool:
    """Whether the current user may promote and roll back (layouts show write controls)."""
    return current_user().can_write


AUDIT_BODY_BYTES = 64_000  # a callback body the audit parses for its output name, at most


def _callback_output() -> str | None:
    """The output a Dash callback request names, for the audit log; a body larger than
    AUDIT_BODY_BYTES (or of undeclared length) is not parsed: refusing it costs nothing."""
    length = flask.request.content_length
    if length is None or length > AUDIT_BODY_BYTES:
        return None
    if flask.request.path.endswith("/_dash-update-component"):
        body = flask.request.get_json(silent=True)
        if isinstance(body, dict):
            return str(body.get("output"))[:200]
    return None


def _audit(level: int, outcome: str, user: User, action: str) -> None:
    """One audit line; its fields are also on the record (for structured log handlers)."""
    in_request = flask.has_request_context()
    fields = {
        "outcome": outcome,
        "user": user.name,
        "role": user.role,
        "action": action,
        "path": flask.request.path if in_request else "-",
        "callback": _callback_output() if in_request else None,
        "remote": flask.request.remote_addr if in_request else "-",
    }
    text = " ".join(f"{key}={value!r}" for key, value in fields.items() if key != "outcome")
    log.log(level, "%s: %s", outcome, text, extra=fields)


def require_operator(action: str) -> User:
    """The current user if an operator; otherwise log the refusal (user, action, request path,
    callback) on ``champion.audit`` and raise AccessDenied. Call it inside every write."""
    user = current_user()
    if user.can_write:
        _audit(logging.INFO, "allowed", user, action)
        return user
    _audit(logging.WARNING, "refused", user, action)
    if user.is_anonymous and not enabled():
        raise AccessDenied(
            f"refused to {action}: this dashboard is read-only. Start it with --users FILE and "
            "log in as an operator to make changes."
        )
    if user.is_anonymous:
        raise AccessDenied(f"refused to {action}: log in as an operator first.")
    raise AccessDenied(f"refused to {action}: {user.name} is a {user.role}, not an operator.")


def sign_in(user: User) -> None:
    """Start a session for user (a fresh one: nothing of the anonymous session is kept)."""
    users = _users()
    if users is None or users.get(user.name) != user:
        raise AccessDenied(f"{user.name} is not a user of this dashboard.")
    flask.session.clear()
    now = _now()
    flask.session.update(
        user=user.name,
        fingerprint=users.fingerprint(user.name),
        generation=users.generations.of(user.name),
        since=now,
        seen=now,
    )
    flask.session.permanent = True  # the cookie expires after the idle lifetime
    flask.g.champion_user = user


def sign_out() -> None:
    """End the current user's session and every other session of that user (all browsers,
    every worker, a copied cookie too)."""
    user = current_user()
    users = _users()
    if users is not None and not user.is_anonymous:
        users.generations.end_sessions(user.name)
        users.forget(user.name)
    flask.session.clear()
    flask.g.champion_user = ANONYMOUS


# --------------------------------------------------------------------------- install


def _served_settings(app: dash.Dash) -> security.WebSettings:
    """The WebSettings of the DashboardConfig app serves (create_app keeps it with the
    backend), else the defaults."""
    config = getattr(app.server.config.get("champion.backend"), "config", None)
    return security.WebSettings() if config is None else security.WebSettings.of(config)


def install(
    app: dash.Dash,
    users: Logins | None,
    *,
    secret_key: str | None = None,
    web: security.WebSettings | None = None,
) -> None:
    """Set up access control on app: a same-origin check on every POST (and the proxy and
    cookie settings of web: by default, those of the served DashboardConfig); read-only for
    everyone when users is None; otherwise logins (/login, /logout, failed logins limited)
    with signed session cookies and a login check before every request outside
    ALLOWED_ENDPOINTS."""
    server = app.server
    web = web or _served_settings(app)
    server.config[AUTH_KEY] = users
    server.config[security.SETTINGS_KEY] = web
    security.apply_proxy_fix(app, web.proxy_fix)
    # Before anything else (the login check included): a POST from another site's page is
    # refused even when the browser sends the user's cookie with it.
    server.before_request_funcs.setdefault(None, []).insert(0, _enforce_same_origin)
    if users is None:
        return
    security.configure_sessions(app, secret_key, web)
    server.config[THROTTLE_KEY] = security.LoginThrottle()
    server.add_url_rule(
        "/login", LOGIN_ENDPOINT, lambda: _login_view(app, users), methods=["GET", "POST"]
    )
    server.add_url_rule("/logout", LOGOUT_ENDPOINT, _logout_view, methods=["POST"])
    # Right after the origin check: refuse before Dash (or anything registered later) sees it.
    server.before_request_funcs.setdefault(None, []).insert(1, _enforce_login)
    server.before_request_funcs.setdefault(None, []).insert(2, _act_as_user)
    server.teardown_request_funcs.setdefault(None, []).append(_stop_acting)


def _act_as_user() -> None:
    """Make this request's calls to MLflow with the logged-in user's own credentials, when
    the logins hold them (MLflow's accounts); the server's otherwise."""
    users, user = _users(), current_user()
    if users is None or user.is_anonymous:
        return
    credentials = users.credentials(user.name)
    if credentials is not None:
        flask.g.champion_acting = user_auth.acting_as(credentials)


def _stop_acting(_error: BaseException | None = None) -> None:
    token = flask.g.pop("champion_acting", None)
    if token is not None:
        user_auth.stop_acting(token)


def _enforce_same_origin() -> ResponseReturnValue | None:
    sent = security.foreign_origin(security.settings().trusted_origins)
    if sent is None:
        return None
    user = current_user() if enabled() else ANONYMOUS
    _audit(logging.WARNING, "refused", user, f"{flask.request.method} from origin {sent!r}")
    return flask.jsonify(error="cross-origin request refused"), 403


def _enforce_login() -> ResponseReturnValue | None:
    if flask.request.endpoint in ALLOWED_ENDPOINTS or not current_user().is_anonymous:
        return None
    request = flask.request
    if request.method in ("GET", "HEAD") and not request.path.startswith("/_"):
        # the whole path, the prefix the dashboard is served under (SCRIPT_NAME) included
        asked = request.script_root + request.full_path.rstrip("?")
        return flask.redirect(flask.url_for(LOGIN_ENDPOINT, next=asked))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        _audit(logging.WARNING, "refused", ANONYMOUS, f"{request.method} without a login")
    return flask.jsonify(error="login required", login=flask.url_for(LOGIN_ENDPOINT)), 401


def _login_view(app: dash.Dash, users: Logins) -> ResponseReturnValue:
    request = flask.request
    if request.method == "GET":
        return security.login_page(app)
    if not security.form_token_valid():
        return security.login_page(app, 400, error="login.expired")
    name = request.form.get("name", "").strip()[:64]
    address = request.remote_addr or "-"
    throttle: security.LoginThrottle = flask.current_app.config[THROTTLE_KEY]
    wait = throttle.retry_after(name, address)
    if wait is not None:  # answered before any password is hashed
        log.warning("login throttled: name=%r remote=%r retry_after=%d", name, address, wait)
        minutes = {"minutes": max(1, -(-wait // 60))}
        response = security.login_page(app, 429, error="login.throttled", name=name, values=minutes)
        response.headers["Retry-After"] = str(wait)
        return response
    user = users.check(name, request.form.get("password", ""))
    if user is None:
        throttle.failed(name, address)
        log.warning("login refused: name=%r remote=%r", name, address)
        return security.login_page(app, 401, error="login.wrong", name=name)
    throttle.succeeded(name)
    sign_in(user)
    _audit(logging.INFO, "login", user, "log in")
    return flask.redirect(security.safe_next(request.form.get("next"), security.mount_point()))


def _logout_view() -> ResponseReturnValue:
    # Only a browser that sent its session cookie is logged out: a cross-site POST carries no
    # (SameSite=Lax) cookie and so changes nothing, not even a cookie-clearing header.
    # Logging out ends every session of the user (a cookie copied before is refused after).
    user = current_user()
    if not user.is_anonymous:
        log.info("logout: user=%s", user.name)
        sign_out()
    return flask.redirect(flask.url_for(LOGIN_ENDPOINT))
