"""On-disk cache of per-row scores: a model is scored once per test set.

An entry is keyed by the model's identity (name, version, model id or run id), the checksum of
its artifact files, the dataset fingerprint and the positive label. Entries are Parquet files
(one "score" column, the rest as schema metadata) written atomically, so several processes can
share one cache directory. The checksum of a model identity is remembered once computed: model
versions are immutable in the registry, and a warm lookup then needs no download at all.

With a shared tier (an object store, see champion.object_cache) entries are also written there,
and an entry missing locally is read from it (and kept locally for the next read).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from champion.errors import ChampionError

if TYPE_CHECKING:
    from champion.object_cache import ObjectStore

CACHE_ENV = "CHAMPION_CACHE_DIR"
_FORMAT = 1


def default_cache_dir() -> Path:
    """$CHAMPION_CACHE_DIR, else $XDG_CACHE_HOME/champion, else ~/.cache/champion (also
    when $CHAMPION_CACHE_DIR names a shared object-store prefix: that is the shared tier)."""
    configured = os.environ.get(CACHE_ENV, "")
    if configured and "://" not in configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "champion"


@dataclass(frozen=True)
class ScoreKey:
    """What a cached score vector depends on."""

    model_identity: str
    artifact_checksum: str
    dataset_fingerprint: str
    pos_label: str

    def digest(self) -> str:
        text = json.dumps(
            [
                _FORMAT,
                self.model_identity,
                self.artifact_checksum,
                self.dataset_fingerprint,
                self.pos_label,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CachedScores:
    """values (n,) float64 in the dataset's row order, or (n, K) class probabilities of a
    multiclass model (its classes in meta["classes"]); kind "probability" or "label"."""

    values: npt.NDArray[np.float64]
    kind: str
    note: str | None
    meta: Mapping[str, Any] = field(default_factory=dict)


class ScoreCache:
    """Scores on disk under ``root`` (see default_cache_dir), and in ``shared`` when given (an
    object store several hosts share: see champion.object_cache)."""

    def __init__(self, root: Path | None = None, shared: ObjectStore | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.shared = shared

    @property
    def _scores(self) -> Path:
        return self.root / "scores"

    @property
    def _checksums(self) -> Path:
        return self.root / "checksums"

    def _path(self, key: ScoreKey) -> Path:
        return self._scores / f"{key.digest()}.parquet"

    def get(self, key: ScoreKey) -> CachedScores | None:
        """The cached scores for key, or None (a damaged entry counts as missing)."""
        path = self._path(key)
        if not path.exists() and not self._from_shared(path):
            return None
        try:
            table = pq.read_table(path)
            raw = (table.schema.metadata or {}).get(b"champion", b"{}")
            meta = json.loads(raw)
            values = _values_of(table)
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: pruning by size drops the least recently used first
        return CachedScores(values, str(meta.get("kind", "probability")), meta.get("note"), meta)

    def put(
        self,
        key: ScoreKey,
        values: npt.NDArray[np.float64],
        kind: str,
        note: str | None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        """Store scores (n,) for key, or a multiclass model's class probabilities (n, K) (its
        classes in meta), atomically (readers never see a partial file)."""
        record = {
            **dict(meta or {}),
            "kind": kind,
            "note": note,
            "model_identity": key.model_identity,
            "artifact_checksum": key.artifact_checksum,
            "dataset_fingerprint": key.dataset_fingerprint,
            "pos_label": key.pos_label,
            "rows": int(values.shape[0]),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        table = _table_of(np.asarray(values, dtype=np.float64))
        table = table.replace_schema_metadata({"champion": json.dumps(record)})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        self._store(self._path(key), sink.getvalue().to_pybytes())

    def checksum_of(self, model_identity: str) -> str | None:
        """The artifact checksum remembered for a model identity, if any."""
        path = self._checksums / f"{_name(model_identity)}.txt"
        if not path.exists() and not self._from_shared(path):
            return None
        try:
            return path.read_text().strip() or None
        except OSError:
            return None

    def remember_checksum(self, model_identity: str, checksum: str) -> None:
        path = self._checksums / f"{_name(model_identity)}.txt"
        self._store(path, checksum.encode())

    def _store(self, path: Path, data: bytes) -> None:
        """Write an entry here, then to the shared tier unless another host did already."""
        self._write(path, lambda tmp: Path(tmp).write_bytes(data))
        if self.shared is not None:
            self.shared.write_if_absent(path.relative_to(self.root).as_posix(), data)

    def _from_shared(self, path: Path) -> bool:
        """Copy the entry at path from the shared tier, if it has it; whether it did."""
        if self.shared is None:
            return False
        data = self.shared.read(path.relative_to(self.root).as_posix())
        if data is None:
            return False
        self._write(path, lambda tmp: Path(tmp).write_bytes(data))
        return True

    def entries(self) -> list[dict[str, Any]]:
        """Metadata of every cached score vector."""
        found = []
        for path in sorted(self._scores.glob("*.parquet")):
            try:
                raw = (pq.read_schema(path).metadata or {}).get(b"champion", b"{}")
                found.append({**json.loads(raw), "path": str(path)})
            except (OSError, ValueError, pa.ArrowException):
                continue
        return found

    def clear(self) -> int:
        """Remove every cached entry; returns how many files were removed."""
        removed = 0
        for folder in (self._scores, self._checksums):
            for path in folder.glob("*"):
                if path.is_file():
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def _write(self, path: Path, writer: Any) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            os.close(handle)
            try:
                writer(tmp)
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise ChampionError(
                f"cannot write to the score cache at {self.root} ({exc}); set "
                f"{CACHE_ENV} to a writable folder or pass --no-cache."
            ) from exc


def _table_of(values: npt.NDArray[np.float64]) -> pa.Table:
    """A column "score" for scores (n,); "score_0", ..., "score_{K-1}" for (n, K)."""
    if values.ndim == 1:
        return pa.table({"score": pa.array(values)})
    return pa.table({f"score_{k}": pa.array(values[:, k]) for k in range(values.shape[1])})


def _values_of(table: pa.Table) -> npt.NDArray[np.float64]:
    """The scores _table_of stored: (n,) or (n, K)."""
    if "score" in table.column_names:
        return np.asarray(table.column("score").to_numpy(), dtype=np.float64)
    width = sum(1 for name in table.column_names if name.startswith("score_"))
    if width == 0:
        raise KeyError("score")
    columns = [table.column(f"score_{k}").to_numpy() for k in range(width)]
    return np.column_stack(columns).astype(np.float64)


def _name(model_identity: str) -> str:
    return hashlib.sha256(model_identity.encode()).hexdigest()
