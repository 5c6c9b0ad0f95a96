"""The dashboard's users file, roles, sessions and the operator check (champion.dashboard.auth)."""

from __future__ import annotations

import json
import logging
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dash
import flask
import pytest
from click.testing import CliRunner
from dash import html

from champion.cli.main import champion as champion_cli
from champion.dashboard import auth, security
from champion.dashboard.auth import (
    ANONYMOUS,
    AccessDenied,
    User,
    UsersFileError,
    UserStore,
    add_user,
    can_write,
    current_user,
    require_operator,
)
from champion.dashboard.config import DashboardConfig
from champion.errors import ChampionError

KEY = "k" * 48


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.json"
    add_user(path, "olga", "operator-pass", "operator")
    add_user(path, "victor", "viewer-pass", "viewer")
    return path


@pytest.fixture(scope="module")
def store(users_file: Path) -> UserStore:
    return UserStore.load(users_file)


def tiny_app(users: UserStore | None) -> dash.Dash:
    app = dash.Dash(__name__)
    app.layout = html.Div("tiny")
    auth.install(app, users, secret_key=KEY)
    return app


def write(path: Path, document: Any) -> Path:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


# --------------------------------------------------------------------------- users file


def test_added_users_are_stored_hashed_and_owner_only(users_file: Path) -> None:
    text = users_file.read_text()
    assert "operator-pass" not in text
    assert "viewer-pass" not in text
    entries = json.loads(text)["users"]
    assert {name: e["role"] for name, e in entries.items()} == {
        "olga": "operator",
        "victor": "viewer",
    }
    assert all(e["password_hash"].startswith(("scrypt:", "pbkdf2:")) for e in entries.values())
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600


def test_check_accepts_the_right_password_only(store: UserStore) -> None:
    assert store.check("olga", "operator-pass") == User("olga", "operator")
    assert store.check("victor", "viewer-pass") == User("victor", "viewer")
    assert store.check("olga", "viewer-pass") is None
    assert store.check("olga", "") is None
    assert store.check("nobody", "operator-pass") is None
    assert [u.name for u in store.users] == ["olga", "victor"]


def test_roles() -> None:
    assert User("a", "operator").can_write
    assert not User("a", "viewer").can_write
    assert not ANONYMOUS.can_write
    assert ANONYMOUS.is_anonymous
    with pytest.raises(ValueError, match="unknown role 'admin'"):
        User("a", "admin")  # type: ignore[arg-type]


def test_add_user_updates_role_and_password_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "ann", "first-password", "viewer")
    add_user(path, "ben", "bens-password", "viewer")
    assert add_user(path, "ann", "second-password", "operator") == User("ann", "operator")
    users = UserStore.load(path)
    assert users.check("ann", "first-password") is None
    assert users.check("ann", "second-password") == User("ann", "operator")
    assert users.check("ben", "bens-password") == User("ben", "viewer")


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("ann", "long-enough", "admin", "unknown role 'admin'"),
        ("ann", "short", "viewer", "at least 8 characters"),
        ("ann smith", "long-enough", "viewer", "not a valid user name"),
        ("", "long-enough", "viewer", "not a valid user name"),
        ("anonymous", "long-enough", "viewer", "reserved"),
    ],
)
def test_add_user_refuses_bad_input(
    tmp_path: Path, name: str, password: str, role: str, message: str
) -> None:
    path = tmp_path / "users.json"
    with pytest.raises(UsersFileError, match=message):
        add_user(path, name, password, role)
    assert not path.exists()


HASH = "scrypt:32768:8:1$abcDEF123$" + "0f" * 32


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "is not valid JSON"),
        ([], "must be a JSON object"),
        ({"users": [], "extra": 1}, "must be a JSON object"),
        ({"users": {}}, "has no users"),
        ({"users": {"ann": "operator"}}, "expected an object"),
        ({"users": {"ann": {"role": "admin", "password_hash": HASH}}}, "unknown role 'admin'"),
        ({"users": {"ann": {"role": "viewer", "password": "hunter22"}}}, "plaintext password"),
        ({"users": {"ann": {"role": "viewer", "password_hash": "hunter22"}}}, "plaintext"),
        ({"users": {"ann": {"role": "viewer"}}}, "exactly the keys"),
        ({"users": {"ann": {"role": "viewer", "password_hash": HASH, "x": 1}}}, "exactly"),
        ({"users": {"a b": {"role": "viewer", "password_hash": HASH}}}, "not a valid user name"),
    ],
)
def test_bad_users_files_are_clear_errors(tmp_path: Path, document: Any, message: str) -> None:
    path = write(tmp_path / "users.json", document)
    with pytest.raises(UsersFileError, match=message) as raised:
        UserStore.load(path)
    assert isinstance(raised.value, ChampionError)
    assert str(path) in str(raised.value)


def test_a_hand_written_hash_loads(tmp_path: Path) -> None:
    path = write(tmp_path / "u.json", {"users": {"ann": {"role": "viewer", "password_hash": HASH}}})
    assert UserStore.load(path).get("ann") == User("ann", "viewer")


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(UsersFileError, match=r"does not exist; create it with `champion users add"):
        UserStore.load(tmp_path / "nope.json")


def test_add_user_does_not_overwrite_a_malformed_file(tmp_path: Path) -> None:
    path = write(tmp_path / "users.json", "{broken")
    with pytest.raises(UsersFileError, match="not valid JSON"):
        add_user(path, "ann", "long-enough", "viewer")
    assert path.read_text() == "{broken"


# --------------------------------------------------------------------------- the operator check


@pytest.fixture
def audit(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO, logger="champion.audit"):
        yield caplog


def test_require_operator_refuses_a_viewer_and_logs_it(
    store: UserStore, audit: pytest.LogCaptureFixture
) -> None:
    app = tiny_app(store)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        auth.sign_in(User("victor", "viewer"))
        assert current_user() == User("victor", "viewer")
        assert not can_write()
        with pytest.raises(AccessDenied, match="victor is a viewer, not an operator"):
            require_operator("promote version 3")
    (record,) = [r for r in audit.records if r.levelno == logging.WARNING]
    assert record.name == "champion.audit"
    assert (record.outcome, record.user, record.action, record.path) == (  # type: ignore[attr-defined]
        "refused",
        "victor",
        "promote version 3",
        "/_dash-update-component",
    )
    assert "refused" in record.getMessage()
    assert "victor" in record.getMessage()


def test_require_operator_refuses_anonymous_and_allows_an_operator(
    store: UserStore, audit: pytest.LogCaptureFixture
) -> None:
    app = tiny_app(store)
    with app.server.test_request_context("/x", method="POST"):
        assert current_user() is ANONYMOUS
        with pytest.raises(AccessDenied, match="log in as an operator"):
            require_operator("roll back")
    with app.server.test_request_context("/x", method="POST"):
        auth.sign_in(User("olga", "operator"))
        assert can_write()
        assert require_operator("roll back") == User("olga", "operator")
    outcomes = [(r.outcome, r.user) for r in audit.records]  # type: ignore[attr-defined]
    assert outcomes == [("refused", "anonymous"), ("allowed", "olga")]


def test_without_users_everyone_is_an_anonymous_viewer(audit: pytest.LogCaptureFixture) -> None:
    app = tiny_app(None)
    assert "/login" not in {rule.rule for rule in app.server.url_map.iter_rules()}
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        assert not auth.enabled()
        assert current_user() is ANONYMOUS
        with pytest.raises(AccessDenied, match="read-only"):
            require_operator("promote version 2")
    assert [r.outcome for r in audit.records] == ["refused"]  # type: ignore[attr-defined]
    assert current_user() is ANONYMOUS  # outside any request too


def test_a_session_ends_when_the_password_changes(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "olga", "first-password", "operator")
    add_user(path, "victor", "viewer-password", "viewer")
    old = tiny_app(UserStore.load(path))
    held = {}
    for user in (User("olga", "operator"), User("victor", "viewer")):
        with old.server.test_request_context("/"):
            auth.sign_in(user)
            held[user.name] = dict(flask.session)
    add_user(path, "olga", "second-password", "operator")
    # at once in the running server (no restart), and in a restarted one
    for app in (old, tiny_app(UserStore.load(path))):
        for name, expected in (("olga", ANONYMOUS), ("victor", User("victor", "viewer"))):
            with app.server.test_request_context("/"):
                flask.session.update(held[name])
                assert current_user() == expected


def test_a_session_of_a_removed_user_is_anonymous(store: UserStore, tmp_path: Path) -> None:
    app = tiny_app(store)
    with app.server.test_request_context("/"):
        flask.session.update({"user": "ghost", "fingerprint": "0" * 32, "generation": 0})
        flask.session.update({"since": auth._now(), "seen": auth._now()})
        assert current_user() is ANONYMOUS
        with pytest.raises(AccessDenied):
            auth.sign_in(User("ghost", "operator"))


def held_session(app: dash.Dash, user: User) -> dict[str, Any]:
    with app.server.test_request_context("/"):
        auth.sign_in(user)
        return dict(flask.session)


def user_of(app: dash.Dash, held: dict[str, Any]) -> User:
    with app.server.test_request_context("/"):
        flask.session.update(held)
        return current_user()


def test_logging_out_ends_every_session_of_the_user_in_every_worker(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "olga", "operator-pass", "operator")
    add_user(path, "victor", "viewer-pass", "viewer")
    # two gunicorn workers: each loads the users file itself
    one, two = tiny_app(UserStore.load(path)), tiny_app(UserStore.load(path))
    olga = User("olga", "operator")
    laptop, copied, victor = (held_session(one, olga), held_session(two, olga), None)
    victor = held_session(one, User("victor", "viewer"))
    assert user_of(two, laptop) == olga
    with one.server.test_request_context("/logout", method="POST"):
        flask.session.update(laptop)
        auth.sign_out()
        assert current_user() is ANONYMOUS
    for app in (one, two):
        assert user_of(app, laptop) is ANONYMOUS
        assert user_of(app, copied) is ANONYMOUS  # a cookie copied before the logout too
        assert user_of(app, victor) == User("victor", "viewer")  # other users keep theirs
    assert user_of(two, held_session(two, olga)) == olga  # a new login works
    sessions = auth.generations_path(path)
    assert sessions == tmp_path / "users.sessions.json"
    assert json.loads(sessions.read_text()) == {"generations": {"olga": 1}}
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o600


def test_a_cookie_without_a_generation_is_not_a_login(store: UserStore) -> None:
    app = tiny_app(store)
    held = held_session(app, User("olga", "operator"))
    del held["generation"]
    assert user_of(app, held) is ANONYMOUS


def test_a_malformed_session_file_fails_at_start(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "olga", "operator-pass", "operator")
    auth.generations_path(path).write_text('{"generations": {"olga": "1"}}')
    with pytest.raises(UsersFileError, match=r"users\.sessions\.json"):
        UserStore.load(path)


def test_sessions_end_when_idle_and_at_their_absolute_lifetime(
    store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = security.WebSettings(idle=timedelta(hours=8), absolute=timedelta(days=7))
    app = dash.Dash(__name__)
    app.layout = html.Div("tiny")
    auth.install(app, store, secret_key=KEY, web=web)
    assert app.server.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    clock = [1_000_000.0]
    monkeypatch.setattr(auth, "_now", lambda: clock[0])
    olga = User("olga", "operator")
    held = held_session(app, olga)
    clock[0] += 8 * 3600 + 1  # a night without a request
    assert user_of(app, held) is ANONYMOUS
    held = held_session(app, olga)

    def request_after(hours: float) -> User:
        nonlocal held
        clock[0] += hours * 3600
        with app.server.test_request_context("/"):
            flask.session.update(held)
            user = current_user()
            held = dict(flask.session)  # the cookie the response sets (last seen moved)
        return user

    # in use every 6 hours for 162 hours: the idle lifetime never runs out ...
    assert all(request_after(6) == olga for _ in range(27))
    assert request_after(7) is ANONYMOUS  # ... but 169 hours after the login, it ends


def test_the_login_throttle_counts_per_user_and_per_address() -> None:
    clock = [0.0]
    throttle = security.LoginThrottle(
        per_user=5, per_address=20, window=900, clock=lambda: clock[0]
    )
    for _ in range(5):
        assert throttle.retry_after("olga", "10.0.0.1") is None
        throttle.failed("olga", "10.0.0.1")
        clock[0] += 10
    assert throttle.retry_after("olga", "10.0.0.1") == 850  # the first failure leaves at 900
    assert throttle.retry_after("olga", "10.0.0.2") == 850  # per user, from any address
    assert throttle.retry_after("victor", "10.0.0.1") is None
    clock[0] = 901
    assert throttle.retry_after("olga", "10.0.0.1") is None
    for n in range(20):
        throttle.failed(f"name{n}", "10.0.0.9")
    assert throttle.retry_after("victor", "10.0.0.9") == 900
    assert throttle.retry_after("victor", "10.0.0.1") is None
    throttle.succeeded("olga")
    assert throttle.retry_after("olga", "10.0.0.1") is None


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Dash.Example.com", "https://dash.example.com"),
        ("https://dash.example.com:443/", "https://dash.example.com"),
        ("http://10.0.0.5:8050", "http://10.0.0.5:8050"),
    ],
)
def test_trusted_origins_are_normalised(url: str, origin: str) -> None:
    config = DashboardConfig("sqlite:///x.db", "m", "x.csv", trusted_origins=(url,))
    assert config.trusted_origins == (origin,)


@pytest.mark.parametrize(
    "url", ["dash.example.com", "https://dash.example.com/app", "ftp://x", "null", "http://"]
)
def test_a_trusted_origin_must_be_an_origin(url: str) -> None:
    with pytest.raises(ChampionError, match="is not an origin"):
        DashboardConfig("sqlite:///x.db", "m", "x.csv", trusted_origins=(url,))


# --------------------------------------------------------------------------- sessions, redirects


def test_secret_key_comes_from_config_then_env_and_must_be_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(security.SECRET_KEY_ENV, raising=False)
    assert security.secret_key_from(None) is None
    monkeypatch.setenv(security.SECRET_KEY_ENV, "e" * 40)
    assert security.secret_key_from(None) == "e" * 40
    assert security.secret_key_from(KEY) == KEY
    with pytest.raises(ChampionError, match="at least 32"):
        security.secret_key_from("short")


def test_without_a_key_sessions_get_a_random_one_and_a_warning(
    store: UserStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(security.SECRET_KEY_ENV, raising=False)
    keys = set()
    for _ in range(2):
        app = dash.Dash(__name__)
        with caplog.at_level(logging.WARNING, logger="champion.dashboard"):
            auth.install(app, store)
        keys.add(app.server.secret_key)
        assert app.server.config["SESSION_COOKIE_SAMESITE"] == "Lax"
        assert app.server.config["SESSION_COOKIE_HTTPONLY"] is True
    assert len(keys) == 2
    assert all(len(str(k)) >= 32 for k in keys)
    assert "not shared between several workers" in caplog.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/curves", "/curves"),
        ("/curves?x=1", "/curves?x=1"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("curves", "/"),
    ],
)
def test_safe_next_stays_on_this_site(target: str | None, expected: str) -> None:
    assert security.safe_next(target) == expected


# --------------------------------------------------------------------------- champion users add


def test_users_add_command_reads_the_password_from_stdin(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    runner = CliRunner()
    args = ["users", "add", str(path), "olga", "--role", "operator", "--password-stdin"]
    result = runner.invoke(champion_cli, args, input="a long password\n")
    assert result.exit_code == 0, result.output
    assert f"added olga (operator) in {path}" in result.output
    result = runner.invoke(champion_cli, args, input="another password\n")
    assert "updated olga (operator)" in result.output
    assert UserStore.load(path).check("olga", "another password") == User("olga", "operator")


def test_users_add_command_prompts_twice_and_reports_errors(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    runner = CliRunner()
    result = runner.invoke(
        champion_cli, ["users", "add", str(path), "vic"], input="viewer-pw\nviewer-pw\n"
    )
    assert result.exit_code == 0, result.output
    assert UserStore.load(path).check("vic", "viewer-pw") == User("vic", "viewer")
    result = runner.invoke(
        champion_cli, ["users", "add", str(path), "vic", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 2
    assert "error: the password must have at least 8 characters" in result.output
    result = runner.invoke(champion_cli, ["users", "add", str(path), "vic", "--role", "admin"])
    assert result.exit_code == 2
    assert "'admin' is not one of" in result.output


def test_serve_refuses_a_bad_users_file_or_unshared_sessions(
    tmp_path: Path, users_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(security.SECRET_KEY_ENV, raising=False)
    runner = CliRunner()
    serve = ["serve", "--tracking-uri", f"sqlite:///{tmp_path / 'none.db'}", "--model", "m"]
    serve += ["--data", str(tmp_path / "none.csv")]
    result = runner.invoke(champion_cli, [*serve, "--users", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert "missing.json does not exist" in result.output
    result = runner.invoke(champion_cli, [*serve, "--users", str(users_file), "--workers", "2"])
    assert result.exit_code == 2
    assert "--workers 2 needs a session key shared by the workers" in result.output


def test_the_audit_log_is_printed_when_serving_without_logging_set_up() -> None:
    code = (
        "import logging; from champion.dashboard.server import show_audit_log; "
        "show_audit_log(); logging.getLogger('champion.audit').info('allowed: user=olga')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "champion.audit allowed: user=olga" in done.stderr
