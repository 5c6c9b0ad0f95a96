"""MLflow accounts logging in to the dashboard (``serve --auth mlflow``): what is kept of a
login, where, how it ends; checked against a loopback server answering as MLflow's basic-auth
app does (tests/integration/test_mlflow_logins.py runs a real one)."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from champion.dashboard.mlflow_logins import MlflowLogins
from champion.dashboard.users import User
from champion.models.user_auth import Credentials
from support.basic_auth import ACCOUNTS, basic_auth_server

SECRET = "s" * 64


@pytest.fixture
def url() -> Iterator[str]:
    with basic_auth_server() as address:
        yield address


def test_an_accepted_login_is_kept_encrypted_in_a_private_folder(url: str, tmp_path: Path) -> None:
    logins = MlflowLogins(url, tmp_path / "logins", SECRET)
    assert logins.check("ana", ACCOUNTS["ana"]) == User("ana", "operator")
    assert logins.get("ana") == User("ana", "operator")
    assert logins.credentials("ana") == Credentials("ana", ACCOUNTS["ana"])
    stored = list((tmp_path / "logins").glob("*.login"))
    assert len(stored) == 1
    assert ACCOUNTS["ana"].encode() not in stored[0].read_bytes()
    assert b"ana" not in stored[0].name.encode()  # file names do not say who logged in
    assert stat.S_IMODE((tmp_path / "logins").stat().st_mode) == 0o700
    assert stat.S_IMODE(stored[0].stat().st_mode) == 0o600


def test_refused_logins_keep_nothing(url: str, tmp_path: Path) -> None:
    logins = MlflowLogins(url, tmp_path / "logins", SECRET)
    assert logins.check("ana", "wrong") is None
    assert logins.check("ana", "") is None
    assert logins.check("bad name\n", ACCOUNTS["ana"]) is None
    assert logins.get("ana") is None
    assert logins.fingerprint("ana") is None
    assert not list((tmp_path / "logins").glob("*.login"))


def test_another_session_key_reads_no_credentials(url: str, tmp_path: Path) -> None:
    MlflowLogins(url, tmp_path / "logins", SECRET).check("ana", ACCOUNTS["ana"])
    other = MlflowLogins(url, tmp_path / "logins", "t" * 64)
    assert other.credentials("ana") is None
    assert other.get("ana") is None


def test_a_new_password_changes_the_fingerprint_and_logout_forgets(
    url: str, tmp_path: Path
) -> None:
    logins = MlflowLogins(url, tmp_path / "logins", SECRET)
    logins.check("ana", ACCOUNTS["ana"])
    first = logins.fingerprint("ana")
    assert first
    assert ACCOUNTS["ana"] not in first
    ACCOUNTS["ana"], old = "new-password", ACCOUNTS["ana"]
    try:
        assert logins.check("ana", "new-password") is not None
    finally:
        ACCOUNTS["ana"] = old
    assert logins.fingerprint("ana") not in (None, first)
    logins.check("ben", ACCOUNTS["ben"])
    logins.forget("ana")
    assert logins.get("ana") is None
    assert logins.get("ben") == User("ben", "operator")
