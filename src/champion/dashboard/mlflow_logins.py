"""Logins with the MLflow server's own accounts (``champion serve --auth mlflow``).

The login form's name and password are checked against the tracking server's basic-auth app;
once accepted, they are kept on the server side only (the browser holds a signed session
cookie naming the user, never the password), encrypted with a key derived from the session
key, one file per user in a private folder that every worker reads. Every request of that
user then reaches MLflow with these credentials (:mod:`champion.models.user_auth`): MLflow's
permissions decide what the user may read and whether an alias may move, and MLflow and
champion's history record the user. Logging out deletes the stored credentials and ends every
session of the user; logging in with a new password ends the sessions opened with the old one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from champion.dashboard.users import SessionGenerations, User, check_name
from champion.errors import ChampionError
from champion.models.user_auth import Credentials, check_login


class MlflowLogins:
    """The MLflow accounts that logged in to this dashboard (see the module docstring).

    tracking_uri: the MLflow server whose accounts log in; folder: where the encrypted
    credentials and session generations are kept (private: 0700); secret: the session key.
    Every logged-in account is an operator here: whether a promote goes through is MLflow's
    decision (EDIT on the model), made with the user's own credentials.
    """

    def __init__(self, tracking_uri: str, folder: Path, secret: str) -> None:
        self.tracking_uri = tracking_uri
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        key = hashlib.sha256(b"champion.mlflow_logins\x00" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self._mac_key = hashlib.sha256(b"champion.fingerprint\x00" + secret.encode()).digest()
        self.generations = SessionGenerations(self.folder / "sessions.json")

    def _path(self, name: str) -> Path:
        return self.folder / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.login"

    def check(self, name: str, password: str) -> User | None:
        """The user when the MLflow server accepts name and password (which are then kept for
        the user's requests), else None; RegistryAccessError when the server cannot say."""
        try:
            check_name(name, "login")
        except ChampionError:
            return None
        if not password or not check_login(self.tracking_uri, name, password):
            return None
        record = json.dumps({"username": name, "password": password}).encode()
        self._write(self._path(name), self._fernet.encrypt(record))
        return User(name, "operator")

    def credentials(self, name: str) -> Credentials | None:
        """The MLflow credentials the user logged in with, or None (logged out, or the store
        was made with another session key)."""
        try:
            token = self._path(name).read_bytes()
            record = json.loads(self._fernet.decrypt(token))
        except (FileNotFoundError, InvalidToken, ValueError):
            return None
        if record.get("username") != name:
            return None
        return Credentials(name, str(record["password"]))

    def get(self, name: str) -> User | None:
        return User(name, "operator") if self.credentials(name) is not None else None

    def fingerprint(self, name: str) -> str | None:
        """A keyed digest of the password the user logged in with last: a login with a new
        password ends the sessions opened with the old one."""
        found = self.credentials(name)
        if found is None:
            return None
        return hmac.new(self._mac_key, found.password.encode(), hashlib.sha256).hexdigest()[:32]

    def forget(self, name: str) -> None:
        """Delete the user's stored credentials (at logout)."""
        self._path(name).unlink(missing_ok=True)

    def _write(self, path: Path, data: bytes) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".login-", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as sink:
                sink.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
