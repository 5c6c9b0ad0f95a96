"""Who may do what on the dashboard: users, roles, login sessions and the operator check.

Without a users file the dashboard is read-only: everyone is the anonymous viewer and every
write refuses. With one (``champion serve --users FILE``), every route except ``ALLOWED_ENDPOINTS``
needs a logged-in user, and writes need the ``operator`` role. The role is checked by
``require_operator`` inside each write callback, on every call: hiding the controls is a
convenience, not the protection. Refusals go to the ``champion.audit`` logger.

The users file is JSON (format and the rest in docs/access-control.md)::

    {"users": {"alice": {"role": "operator", "password_hash": "scrypt:32768:8:1$..."}}}
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import dash
import flask
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash, generate_password_hash

from champion.dashboard import security
from champion.dashboard.security import HEALTH_ENDPOINT
from champion.errors import ChampionError

log = logging.getLogger("champion.audit")

Role = Literal["viewer", "operator"]
ROLES: tuple[Role, ...] = get_args(Role)
ANONYMOUS_NAME = "anonymous"
MIN_PASSWORD = 8
AUTH_KEY = "champion.users"  # app.server.config key: the UserStore, or None when auth is off
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

# Names end up in logs and the navbar: no spaces, no control characters, nothing to escape.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# What werkzeug's generate_password_hash writes: "method[:params]$salt$hexdigest".
_HASH = re.compile(r"(scrypt|pbkdf2)(:[A-Za-z0-9]+)*\$[A-Za-z0-9]+\$[0-9a-f]+")


class AccessDenied(ChampionError):
    """The current user may not do this (anonymous, or a viewer asking for a write)."""


class UsersFileError(ChampionError):
    """The users file is missing, unreadable or not in the documented format."""


@dataclass(frozen=True)
class User:
    """A dashboard user: a name and a role ("viewer" reads, "operator" also writes)."""

    name: str
    role: Role

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles are {', '.join(ROLES)}")

    @property
    def can_write(self) -> bool:
        """Whether this user may promote and roll back."""
        return self.role == "operator"

    @property
    def is_anonymous(self) -> bool:
        return self.name == ANONYMOUS_NAME


ANONYMOUS = User(ANONYMOUS_NAME, "viewer")


@dataclass(frozen=True)
class _Entry:
    role: Role
    password_hash: str


def _check_name(name: str, where: str) -> None:
    if not _NAME.fullmatch(name) or name == ANONYMOUS_NAME:
        raise UsersFileError(
            f"{where}: {name!r} is not a valid user name: use 1-64 letters, digits, '.', '_', "
            f"'@' or '-', starting with a letter or digit ({ANONYMOUS_NAME!r} is reserved)."
        )


def _check_role(role: str, where: str) -> Role:
    if role not in ROLES:
        raise UsersFileError(f"{where}: unknown role {role!r}; roles are {', '.join(ROLES)}.")
    return role


def _read(path: Path) -> dict[str, _Entry]:
    """The entries of a users file (possibly none); UsersFileError on anything malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsersFileError(
            f"users file {path} does not exist; create it with `champion users add {path} NAME`."
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsersFileError(f"cannot read users file {path}: {err}") from None
    except json.JSONDecodeError as err:
        raise UsersFileError(f"users file {path} is not valid JSON: {err}") from None
    if not isinstance(data, dict) or set(data) != {"users"} or not isinstance(data["users"], dict):
        raise UsersFileError(
            f'users file {path} must be a JSON object {{"users": {{NAME: {{...}}}}}} and '
            "nothing else; see docs/access-control.md."
        )
    entries: dict[str, _Entry] = {}
    for name, fields in data["users"].items():
        where = f"users file {path}, user {name!r}"
        _check_name(name, f"users file {path}")
        if not isinstance(fields, dict):
            raise UsersFileError(f"{where}: expected an object with role and password_hash.")
        if "password" in fields:
            raise UsersFileError(
                f"{where}: holds a plaintext password; remove it and set the password with "
                f"`champion users add {path} {name}` (only hashes are stored)."
            )
        if set(fields) != {"role", "password_hash"}:
            raise UsersFileError(
                f"{where}: expected exactly the keys role and password_hash, got "
                f"{', '.join(sorted(map(str, fields))) or 'none'}."
            )
        password_hash = fields["password_hash"]
        if not isinstance(password_hash, str) or not _HASH.fullmatch(password_hash):
            raise UsersFileError(
                f"{where}: password_hash is not a werkzeug password hash (a plaintext "
                f"password?); set it with `champion users add {path} {name}`."
            )
        entries[name] = _Entry(_check_role(str(fields["role"]), where), password_hash)
    return entries


def _now() -> float:
    """Seconds since the epoch (a function, so that tests can move the clock)."""
    return time.time()


def _write_atomically(path: Path, document: object) -> None:
    """Replace path with document as JSON (a temporary file renamed over it, so a reader sees
    the old or the new file, never half of one), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as sink:
            json.dump(document, sink, indent=2)
            sink.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def generations_path(users_file: Path | str) -> Path:
    """Where the session generations of a users file are kept: next to it, users.sessions.json
    for users.json."""
    users_file = Path(users_file)
    return users_file.with_name(f"{users_file.stem}.sessions.json")


class SessionGenerations:
    """A counter per user, carried in each session cookie: a session whose generation is not
    the user's current one has ended. Logging out, or a new password, moves the user to the
    next generation, which ends every earlier session of that user (a copied cookie included).

    Kept in a small JSON file (``{"generations": {NAME: N}}``, see generations_path) that every
    gunicorn worker reads (again only when it changed) and that is replaced atomically under a
    lock; without a path (a UserStore built in memory), in this process only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: dict[str, int] = {}
        self._seen: tuple[int, int, int] | None = None

    def _load(self) -> dict[str, int]:
        if self.path is None:
            return self._memory
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self._memory = None, {}
            return self._memory
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if key != self._seen:
            self._memory, self._seen = self._parse(self.path.read_text(encoding="utf-8")), key
        return self._memory

    def _parse(self, text: str) -> dict[str, int]:
        try:
            data = json.loads(text)
            found = data["generations"]
            numbers = isinstance(found, dict) and all(
                isinstance(n, int) and not isinstance(n, bool) for n in found.values()
            )
            if set(data) == {"generations"} and numbers:
                return {str(name): n for name, n in found.items()}
        except (json.JSONDecodeError, KeyError, TypeError):
            pass
        raise UsersFileError(
            f'session file {self.path} is not {{"generations": {{NAME: NUMBER}}}}; delete it '
            "(every user is then logged out) or restore it."
        )

    def of(self, name: str) -> int:
        """The user's current generation (0 until the first logout or password change)."""
        return self._load().get(name, 0)

    def end_sessions(self, name: str) -> int:
        """End every session of name opened so far: the user moves to the next generation,
        which is returned."""
        if self.path is None:
            self._memory[name] = self._memory.get(name, 0) + 1
            return self._memory[name]
        lock = self.path.with_name(f".{self.path.name}.lock")
        with open(os.open(lock, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # one writer at a time, in any process
            self._seen = None  # read the file again, under the lock
            generations = dict(self._load())
            generations[name] = generations.get(name, 0) + 1
            _write_atomically(self.path, {"generations": dict(sorted(generations.items()))})
        return generations[name]


class UserStore:
    """The users of one dashboard, with their roles and password hashes (read once, at start)."""

    def __init__(self, entries: dict[str, _Entry], source: Path | None = None) -> None:
        self._entries = dict(entries)
        self.source = source
        self.generations = SessionGenerations(None if source is None else generations_path(source))
        # Checking a name that does not exist costs one hash too, so that the time a login
        # takes does not tell which names exist.
        self._decoy = generate_password_hash(secrets.token_hex(16))

    @classmethod
    def load(cls, path: Path | str) -> UserStore:
        """Read a users file; UsersFileError when it is missing, malformed, names an unknown
        role, holds a plaintext password or has no users."""
        path = Path(path)
        entries = _read(path)
        if not entries:
            raise UsersFileError(
                f"users file {path} has no users; add one with `champion users add {path} NAME`."
            )
        store = cls(entries, path)
        store.generations.of("")  # a malformed session file fails here, at start
        return store

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    @property
    def users(self) -> list[User]:
        """Every user, by name."""
        return [User(name, e.role) for name, e in sorted(self._entries.items())]

    def get(self, name: str) -> User | None:
        entry = self._entries.get(name)
        return None if entry is None else User(name, entry.role)

    def check(self, name: str, password: str) -> User | None:
        """The user when name and password match, else None."""
        entry = self._entries.get(name)
        if entry is None:
            check_password_hash(self._decoy, password)
            return None
        return (
            User(name, entry.role) if check_password_hash(entry.password_hash, password) else None
        )

    def fingerprint(self, name: str) -> str | None:
        """A digest of the user's password hash, kept in the session so that changing the
        password (and restarting) ends the sessions opened with the old one."""
        entry = self._entries.get(name)
        if entry is None:
            return None
        return hashlib.sha256(entry.password_hash.encode()).hexdigest()[:32]


def add_user(path: Path | str, name: str, password: str, role: str = "viewer") -> User:
    """Add name to the users file at path (created if missing), or change its role and
    password; the password is stored as a werkzeug hash. The file is replaced atomically and
    readable by its owner only. Changing an existing user ends every session of that user
    (see SessionGenerations)."""
    path = Path(path)
    _check_name(name, "champion users add")
    checked_role = _check_role(role, "champion users add")
    if len(password) < MIN_PASSWORD:
        raise UsersFileError(f"the password must have at least {MIN_PASSWORD} characters.")
    entries = _read(path) if path.exists() else {}
    existed = name in entries
    entries[name] = _Entry(checked_role, generate_password_hash(password))
    document = {
        "users": {
            n: {"role": e.role, "password_hash": e.password_hash}
            for n, e in sorted(entries.items())
        }
    }
    _write_atomically(path, document)
    if existed:  # a new password: the sessions opened with the old one end, in every worker
        SessionGenerations(generations_path(path)).end_sessions(name)
    return User(name, checked_role)


# --------------------------------------------------------------------------- the current user


def _users() -> UserStore | None:
    if not flask.has_request_context():
        return None
    store: UserStore | None = flask.current_app.config.get(AUTH_KEY)
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


def _session_alive(users: UserStore, name: str) -> bool:
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
    users: UserStore | None,
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
        return flask.redirect(flask.url_for(LOGIN_ENDPOINT, next=request.full_path.rstrip("?")))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        _audit(logging.WARNING, "refused", ANONYMOUS, f"{request.method} without a login")
    return flask.jsonify(error="login required", login=flask.url_for(LOGIN_ENDPOINT)), 401


def _login_view(app: dash.Dash, users: UserStore) -> ResponseReturnValue:
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
    return flask.redirect(security.safe_next(request.form.get("next")))


def _logout_view() -> ResponseReturnValue:
    # Only a browser that sent its session cookie is logged out: a cross-site POST carries no
    # (SameSite=Lax) cookie and so changes nothing, not even a cookie-clearing header.
    # Logging out ends every session of the user (a cookie copied before is refused after).
    user = current_user()
    if not user.is_anonymous:
        log.info("logout: user=%s", user.name)
        sign_out()
    return flask.redirect(flask.url_for(LOGIN_ENDPOINT))
