"""The users of a dashboard: names, roles, password hashes in a users file, and the session
generations that end every session of a user at once (logout, a new password).

The users file is JSON (format and the rest in docs/access-control.md)::

    {"users": {"alice": {"role": "operator", "password_hash": "scrypt:32768:8:1$..."}}}

:class:`Logins` is what the request side (:mod:`champion.dashboard.auth`) needs of a source of
users: the users file (:class:`UserStore`) or the MLflow server's own accounts
(:mod:`champion.dashboard.mlflow_logins`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from werkzeug.security import check_password_hash, generate_password_hash

from champion.errors import ChampionError

if TYPE_CHECKING:
    from champion.models.user_auth import Credentials

Role = Literal["viewer", "operator"]
ROLES: tuple[Role, ...] = get_args(Role)
ANONYMOUS_NAME = "anonymous"
MIN_PASSWORD = 8
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


def check_name(name: str, where: str) -> None:
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
        check_name(name, f"users file {path}")
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

    def credentials(self, name: str) -> Credentials | None:
        """None: the users of a users file reach MLflow with the server's own credentials."""
        return None

    def forget(self, name: str) -> None:
        """Nothing to forget: the file keeps only password hashes."""


def add_user(path: Path | str, name: str, password: str, role: str = "viewer") -> User:
    """Add name to the users file at path (created if missing), or change its role and
    password; the password is stored as a werkzeug hash. The file is replaced atomically and
    readable by its owner only. Changing an existing user ends every session of that user
    (see SessionGenerations)."""
    path = Path(path)
    check_name(name, "champion users add")
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


class Logins(Protocol):
    """Who may log in, as the request side asks: the user of a name, a login check, a digest
    of the secret a session was opened with (a new one ends older sessions), the session
    generations, and the credentials requests to MLflow are made with (None: the server's own)."""

    generations: SessionGenerations

    def get(self, name: str) -> User | None: ...

    def check(self, name: str, password: str) -> User | None: ...

    def fingerprint(self, name: str) -> str | None: ...

    def credentials(self, name: str) -> Credentials | None: ...

    def forget(self, name: str) -> None: ...
