"""Results kept on disk beside the score cache, shared by every process on the host.

What a page or a command computes from cached scores (a version's report, a paired comparison,
a slice table) is a pure function of its inputs, so it is stored under a key made of those
inputs' content: score checksums, the dataset fingerprint, threshold, confidence, resamples,
seed. Entries are written atomically (a temporary file renamed into place), so a half-written
entry never reads as valid; a per-key lock file (``flock``) makes sure two workers or two
commands never compute the same thing at once: the second waits for the first and reads its
result. Because the lock is the operating system's, a process that dies releases it.

Entries are pickles. champion only reads pickles from a folder that the current user owns and
nobody else can write (checked before each read), the same trust as the user's own home. With
a shared tier (``--cache-dir s3://...``, see champion.object_cache) results are also written
there and read from it, signed with ``CHAMPION_CACHE_KEY``: an entry whose signature does not
verify is never unpickled.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import pickle
import stat
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from champion.errors import ChampionError
from champion.object_cache import cache_key, sign, verified

if TYPE_CHECKING:
    from champion.object_cache import ObjectStore

log = logging.getLogger("champion.workspace")
FORMAT = 3  # bump when a stored type changes shape: older entries are then simply not found
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """A thread-safe, size-bounded map of computed values (least recently used dropped)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def content_key(kind: str, *parts: Any) -> str:
    """The hex digest naming a result of ``kind`` computed from ``parts`` (JSON-able values)."""
    text = json.dumps([FORMAT, kind, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Job:
    """A computation some process on this host runs or ran: what, how far, and how it ended.

    subjects: the URIs of the models it is about; state: "running" (its lock is held now),
    "done", "failed" (error says why) or "stopped" (its process ended before finishing, e.g. a
    restart); done / total count rows or steps."""

    digest: str
    kind: str
    subjects: tuple[str, ...]
    state: str
    done: int
    total: int
    error: str | None
    updated: float
    dataset: str

    @property
    def active(self) -> bool:
        return self.state == "running"


class ResultStore:
    """Results under ``root/results/<kind>/<digest>.pkl``, their locks under ``root/locks`` and
    job records under ``root/jobs``; an in-process memo keeps recent reads. With ``shared``,
    results are also kept there (signed; only when CHAMPION_CACHE_KEY is set)."""

    def __init__(self, root: Path, memo_size: int = 64, shared: ObjectStore | None = None) -> None:
        self.root = Path(root)
        self._shared = shared
        self._key = cache_key() if shared is not None else None
        if shared is not None and self._key is None:
            log.warning(
                "results are not shared through %s: set CHAMPION_CACHE_KEY (the same on every "
                "host) to sign them; scores are shared.",
                shared.uri,
            )
        self._memo: Memo[str, Any] = Memo(memo_size)
        self._held: set[str] = set()  # digests whose lock this process holds
        self._held_lock = threading.Lock()

    # reading and writing ----------------------------------------------------------------------

    def path(self, kind: str, digest: str) -> Path:
        return self.root / "results" / kind / f"{digest}.pkl"

    def get(self, kind: str, digest: str, loads: Callable[[bytes], Any] = pickle.loads) -> Any:
        """The stored result, or None (missing or damaged entries count as absent)."""
        found = self._memo.get(digest)
        if found is not None:
            return found
        path = self.path(kind, digest)
        try:
            self._check_private(path.parent)
            data = path.read_bytes()
            value = loads(data)
        except FileNotFoundError:
            return self._get_shared(kind, digest, loads)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: pruning by size drops the least recently used first
        log.info("%s %s: read from the cache", kind, digest[:12])
        self._memo.put(digest, value)
        return value

    def put(
        self, kind: str, digest: str, value: Any, dumps: Callable[[Any], bytes] | None = None
    ) -> None:
        """Store value atomically (readers see the old state or the whole new entry)."""
        data = dumps(value) if dumps else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(self.path(kind, digest), data)
        self._memo.put(digest, value)
        if self._shared is not None and self._key is not None:
            self._shared.write_if_absent(self._name(kind, digest), sign(data, self._key))

    def _name(self, kind: str, digest: str) -> str:
        return f"results/{kind}/{digest}.pkl"

    def _get_shared(self, kind: str, digest: str, loads: Callable[[bytes], Any]) -> Any:
        """The result from the shared tier (kept locally too), or None: absent, unsigned or
        signed with another key (then it is not unpickled), or unreadable."""
        if self._shared is None or self._key is None:
            return None
        blob = self._shared.read(self._name(kind, digest))
        if blob is None:
            return None
        data = verified(blob, self._key)
        if data is None:
            log.warning(
                "%s %s in %s: signature does not verify, ignored",
                kind,
                digest[:12],
                self._shared.uri,
            )
            return None
        try:
            value = loads(data)
        except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            return None
        with contextlib.suppress(ChampionError):
            write_atomic(self.path(kind, digest), data)
        log.info("%s %s: read from the shared cache", kind, digest[:12])
        self._memo.put(digest, value)
        return value

    def once(
        self,
        kind: str,
        digest: str,
        compute: Callable[[], V],
        *,
        subjects: tuple[str, ...] = (),
        dataset: str = "",
        total: int = 0,
        loads: Callable[[bytes], Any] = pickle.loads,
        dumps: Callable[[Any], bytes] | None = None,
    ) -> V:
        """The stored result, else compute() under the key's lock, stored, then returned.

        Another process (or thread) computing the same key makes this wait and read its
        result instead of computing it again. A failure is recorded in the job record, so every
        worker can say why, and raised here."""
        found = self.get(kind, digest, loads)
        if found is not None:
            return found  # type: ignore[no-any-return]
        with self.locked(digest):
            found = self.get(kind, digest, loads)
            if found is not None:
                log.info("%s %s: computed by another process, read", kind, digest[:12])
                return found  # type: ignore[no-any-return]
            self.record(digest, kind, subjects, "running", 0, total, None, dataset)
            started = time.monotonic()
            try:
                value = compute()
            except Exception as err:  # every worker then reads why, and the next ask retries
                self.record(
                    digest, kind, subjects, "failed", 0, total, failure_message(err), dataset
                )
                raise
            except BaseException:  # interrupted (Ctrl-C, shutdown): nothing to report
                self.record(digest, kind, subjects, "stopped", 0, total, None, dataset)
                raise
            self.put(kind, digest, value, dumps)
            self.record(digest, kind, subjects, "done", total, total, None, dataset)
            log.info("%s %s: computed in %.2f s", kind, digest[:12], time.monotonic() - started)
            return value

    # locks ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self, digest: str) -> Iterator[None]:
        """Hold the key's inter-process lock (waits while another holder has it)."""
        path = self.root / "locks" / f"{digest}.lock"
        _private_dir(path.parent)
        with open(path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            with self._held_lock:
                self._held.add(digest)
            try:
                yield
            finally:
                with self._held_lock:
                    self._held.discard(digest)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def busy(self, digest: str) -> bool:
        """Whether some process (this one included) holds the key's lock right now."""
        with self._held_lock:
            if digest in self._held:
                return True
        path = self.root / "locks" / f"{digest}.lock"
        try:
            with open(path, "rb") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(handle, fcntl.LOCK_UN)
        except FileNotFoundError:
            return False
        return False

    # job records ------------------------------------------------------------------------------

    def record(
        self,
        digest: str,
        kind: str,
        subjects: tuple[str, ...],
        state: str,
        done: int,
        total: int,
        error: str | None,
        dataset: str,
    ) -> None:
        """Write the job record of digest (what every worker reads to show progress)."""
        entry = {
            "kind": kind,
            "subjects": list(subjects),
            "state": state,
            "done": done,
            "total": total,
            "error": error,
            "updated": time.time(),
            "dataset": dataset,
            "pid": os.getpid(),
        }
        with contextlib.suppress(OSError):
            write_atomic(self.root / "jobs" / f"{digest}.json", json.dumps(entry).encode())

    def job(self, digest: str) -> Job | None:
        """The job record of digest; a "running" record whose lock nobody holds is "stopped"."""
        try:
            raw = json.loads((self.root / "jobs" / f"{digest}.json").read_text())
        except (OSError, ValueError):
            return None
        return self._job(digest, raw)

    def jobs(self, dataset: str | None = None) -> list[Job]:
        """Every job record (of one dataset fingerprint when given), newest first."""
        found = []
        for path in (self.root / "jobs").glob("*.json"):
            try:
                raw = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if dataset is None or raw.get("dataset") == dataset:
                found.append(self._job(path.stem, raw))
        return sorted(found, key=lambda j: j.updated, reverse=True)

    def _job(self, digest: str, raw: Mapping[str, Any]) -> Job:
        state = str(raw.get("state", "stopped"))
        if state == "running" and not self.busy(digest):
            state = "stopped"
        return Job(
            digest,
            str(raw.get("kind", "")),
            tuple(str(s) for s in raw.get("subjects", ())),
            state,
            int(raw.get("done", 0)),
            int(raw.get("total", 0)),
            raw.get("error"),
            float(raw.get("updated", 0.0)),
            str(raw.get("dataset", "")),
        )

    def _check_private(self, folder: Path) -> None:
        """Refuse to read pickles from a folder another user could have written to."""
        for place in (folder, self.root):
            info = place.stat()
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                raise ChampionError(
                    f"the result cache {place} is writable by other users or owned by another "
                    "user; champion does not read results from it. Make it private "
                    f"(chmod 700 {place}) or choose another --cache-dir."
                )


def failure_message(err: BaseException) -> str:
    """What a failed job reports: champion's own message, or an unexpected error's type and text
    (the traceback goes to the server's log)."""
    if isinstance(err, ChampionError):
        return str(err)
    return f"unexpected {type(err).__name__}: {err} (see the server log; the next request retries)"


def _private_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ChampionError(
            f"cannot write to the cache at {folder} ({exc}); set CHAMPION_CACHE_DIR to a "
            "writable folder or pass --no-cache."
        ) from exc


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder and a rename."""
    _private_dir(path.parent)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ChampionError(
            f"cannot write to the cache at {path.parent} ({exc}); set CHAMPION_CACHE_DIR to a "
            "writable folder or pass --no-cache."
        ) from exc
