"""The cache's shared tier in an object store: ``--cache-dir s3://bucket/prefix``.

Several hosts serving the dashboard (or CI jobs) then share what is costly to make: each
model's per-row scores on each test set, the artifact checksums that key them, and the results
computed from them (reports, paired comparisons, slice tables). Every entry is one whole object
under a content key, and an object store shows an object only once its upload completed, so a
half-written entry never reads as valid. Two hosts asking for the same missing key at the same
time both compute it, then each writes it if it is still absent ("compute, then write if
absent"); the values are equal, since the key names everything they depend on. On one host the
per-key lock of the local folder still makes the workers wait for each other.

What stays in the host's local cache folder: a copy of each entry read (the next read is a
local one), locks, job progress, the test set ``serve`` publishes to its workers, logins and
registry resolutions.

Results are pickles, and reading a pickle runs code; so results are shared only when the hosts
sign them with one key (``CHAMPION_CACHE_KEY``, 32 characters or more): an entry whose HMAC
does not verify is not unpickled. Scores (Parquet with one float column) and checksums are
data, trusted as the bucket's test sets are.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from champion.data.remote import describe_error, filesystem, is_object_uri
from champion.errors import ChampionError

CACHE_KEY_ENV = "CHAMPION_CACHE_KEY"
MIN_CACHE_KEY = 32
_MAC_BYTES = 32
_MISSING = ("does not exist", "nosuchkey", "not found", "no such file")


def is_shared_location(location: object) -> bool:
    """True when a --cache-dir value names an object-store prefix (s3://, gs://, abfs://...)."""
    return is_object_uri(location)


def cache_key() -> bytes | None:
    """The key results are signed with ($CHAMPION_CACHE_KEY), or None: results not shared."""
    key = os.environ.get(CACHE_KEY_ENV, "")
    if not key:
        return None
    if len(key) < MIN_CACHE_KEY:
        raise ChampionError(
            f"{CACHE_KEY_ENV} has {len(key)} characters; use at least {MIN_CACHE_KEY}, the "
            f'same on every host, e.g. {CACHE_KEY_ENV}=$(python -c "import secrets; '
            'print(secrets.token_hex(32))").'
        )
    return key.encode()


def sign(data: bytes, key: bytes) -> bytes:
    """data with its HMAC-SHA256 under key in front."""
    return hmac.new(key, data, hashlib.sha256).digest() + data


def verified(blob: bytes, key: bytes) -> bytes | None:
    """The data of a signed blob, or None when its HMAC does not verify under key."""
    mac, data = blob[:_MAC_BYTES], blob[_MAC_BYTES:]
    expected = hmac.new(key, data, hashlib.sha256).digest()
    return data if len(mac) == _MAC_BYTES and hmac.compare_digest(mac, expected) else None


@dataclass(frozen=True)
class StoredObject:
    """One object of the store: its name under the store's prefix ("scores/ab12.parquet"),
    size in bytes and seconds since it was written."""

    name: str
    size: int
    age: float


class ObjectStore:
    """Whole objects under an object-store prefix, through pyarrow's filesystems (credentials
    and S3-compatible endpoints as for test sets: see champion.data.remote)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        self._fs, path = filesystem(self.uri)
        self._base = path.rstrip("/")

    def __repr__(self) -> str:
        return f"ObjectStore({self.uri!r})"

    def location(self, name: str) -> str:
        return f"{self.uri}/{name}"

    def read(self, name: str) -> bytes | None:
        """The object's content, or None when there is no such object."""
        try:
            with self._fs.open_input_stream(f"{self._base}/{name}") as source:
                return bytes(source.read())
        except (OSError, ValueError) as exc:
            if any(word in str(exc).lower() for word in _MISSING):
                return None
            raise self._error("read", name, exc) from None

    def exists(self, name: str) -> bool:
        import pyarrow.fs as pafs

        try:
            info = self._fs.get_file_info(f"{self._base}/{name}")
        except (OSError, ValueError) as exc:
            raise self._error("read", name, exc) from None
        return bool(info.type == pafs.FileType.File)

    def write(self, name: str, data: bytes) -> None:
        """Store data as the object name (visible only once completely written)."""
        try:
            with self._fs.open_output_stream(f"{self._base}/{name}") as sink:
                sink.write(data)
        except (OSError, ValueError) as exc:
            raise self._error("write", name, exc) from None

    def write_if_absent(self, name: str, data: bytes) -> bool:
        """Write the object unless it exists (another host wrote the same content); whether
        this call wrote it."""
        if self.exists(name):
            return False
        self.write(name, data)
        return True

    def listing(self, prefix: str = "") -> list[StoredObject]:
        """The objects under prefix (all when empty), newest first."""
        import pyarrow.fs as pafs

        folder = f"{self._base}/{prefix}".rstrip("/")
        selector = pafs.FileSelector(folder, recursive=True, allow_not_found=True)
        try:
            found = self._fs.get_file_info(selector)
        except (OSError, ValueError) as exc:
            raise self._error("list", prefix, exc) from None
        now = time.time()
        objects = [
            StoredObject(
                info.path[len(self._base) + 1 :],
                int(info.size or 0),
                now - (info.mtime.timestamp() if info.mtime is not None else now),
            )
            for info in found
            if info.type == pafs.FileType.File
        ]
        return sorted(objects, key=lambda o: o.age)

    def delete(self, name: str) -> None:
        try:
            self._fs.delete_file(f"{self._base}/{name}")
        except (OSError, ValueError) as exc:
            if not any(word in str(exc).lower() for word in _MISSING):
                raise self._error("delete", name, exc) from None

    def _error(self, verb: str, name: str, exc: BaseException) -> ChampionError:
        return ChampionError(
            f"cannot {verb} {self.location(name)!r} in the shared cache: "
            f"{describe_error(exc)}. Check the --cache-dir URI and the credentials, or pass "
            "a local --cache-dir (or --no-cache)."
        )


def open_store(location: str) -> ObjectStore:
    """The object store of a --cache-dir URI, checked: an unreachable endpoint, a missing
    bucket or refused credentials stop here with a ChampionError, not at the first write."""
    import pyarrow.fs as pafs

    store = ObjectStore(location)
    bucket = store._base.split("/", 1)[0]
    try:
        missing = store._fs.get_file_info(bucket).type == pafs.FileType.NotFound
    except (OSError, ValueError) as exc:
        raise store._error("reach", "", exc) from None
    if missing:
        raise ChampionError(
            f"cannot use {location!r} as the shared cache: the bucket (container) {bucket!r} "
            "does not exist; create it or check the --cache-dir URI."
        )
    store.listing("scores/")
    return store


def shared_kind(entry: StoredObject) -> str:
    """What a shared object is: "scores", "checksum", or a result kind ("report", "pair"...)."""
    parts = entry.name.split("/")
    if parts[0] == "results" and len(parts) > 2:
        return parts[1]
    return {"checksums": "checksum"}.get(parts[0], parts[0])


def prune_shared(
    store: ObjectStore, max_size: int | None = None, older_than: float | None = None
) -> list[StoredObject]:
    """Delete objects written longer than older_than seconds ago, then the oldest until the
    rest takes at most max_size bytes (an object store does not record reads, so age is
    since writing). Returns what was deleted."""
    removed = to_prune(store.listing(), max_size, older_than)
    for entry in removed:
        store.delete(entry.name)
    return removed


class Aged(Protocol):
    """A cache entry as pruning sees it: its size in bytes and seconds since last use."""

    @property
    def size(self) -> int: ...

    @property
    def age(self) -> float: ...


A = TypeVar("A", bound=Aged)


def to_prune(entries: Sequence[A], max_size: int | None, older_than: float | None) -> list[A]:
    """Of entries (newest first), those older than older_than seconds, then the oldest of the
    rest until what is left takes at most max_size bytes: what a prune removes."""
    kept = list(entries)
    removed = []
    if older_than is not None:
        removed += [e for e in kept if e.age > older_than]
        kept = [e for e in kept if e.age <= older_than]
    if max_size is not None:
        total = sum(e.size for e in kept)
        while kept and total > max_size:
            oldest = kept.pop()
            removed.append(oldest)
            total -= oldest.size
    return removed
