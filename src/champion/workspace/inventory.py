"""What the cache folder holds (scores, reports, pairs, slice tables, the test sets ``serve``
shares between its workers), and pruning it.

Entries are immutable files named by their content keys, so removing one only means it is
computed again when next asked for; a read marks an entry as used (its modification time), so
pruning by size drops the least recently used first. Locks of entries being computed, job
records of running jobs and temporary files of writes in progress are never removed.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from champion.errors import DataError
from champion.object_cache import to_prune

RESULT_KINDS = ("report", "pair", "slices", "figure")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Entry:
    """One cached file: kind ("scores", "dataset" or one of RESULT_KINDS), its path, size in bytes,
    seconds since it was last written or read, and what the entry says of itself."""

    kind: str
    path: Path
    size: int
    age: float
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.detail,
            "type": self.kind,
            "path": str(self.path),
            "size": self.size,
            "age_seconds": round(self.age, 1),
        }


def entries(root: Path, score_details: dict[str, dict[str, Any]] | None = None) -> list[Entry]:
    """Every cached scores and result file under root, newest first; score_details: path ->
    what the score cache says of that entry (model, rows, dataset)."""
    now = time.time()
    found = []
    folders = [("scores", root / "scores", "*.parquet"), ("dataset", root / "datasets", "*.arrow")]
    folders += [(kind, root / "results" / kind, "*.pkl") for kind in RESULT_KINDS]
    for kind, folder, pattern in folders:
        for path in folder.glob(pattern):
            try:
                info = path.stat()
            except OSError:
                continue  # removed meanwhile
            detail = (score_details or {}).get(str(path), {}) if kind == "scores" else {}
            found.append(Entry(kind, path, info.st_size, now - info.st_mtime, detail))
    return sorted(found, key=lambda e: e.age)


def parse_size(text: str) -> int:
    """ "2GB", "500M", "1.5 GiB", "1000" -> bytes (decimal units; a trailing "iB" is binary)."""
    match = _SIZE.match(text)
    if not match:
        raise DataError(f"--max-size {text!r} is not a size: write e.g. 2GB, 500MB or 1000000.")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    scale = _UNITS.get(unit[:1], 1)
    if unit.endswith("ib") and unit[:1] in "kmgt":
        scale = 1024 ** ("kmgt".index(unit[:1]) + 1)
    return int(number * scale)


def parse_age(text: str) -> float:
    """ "30d", "12h", "2w", "90s" -> seconds."""
    match = _AGE.match(text)
    if not match:
        raise DataError(f"--older-than {text!r} is not an age: write e.g. 30d, 12h, 2w or 90s.")
    return float(match.group(1)) * _SECONDS[match.group(2).lower()]


def prune(root: Path, max_size: int | None = None, older_than: float | None = None) -> list[Entry]:
    """Remove entries older than older_than seconds, then the least recently used until the
    rest takes at most max_size bytes. Returns what was removed."""
    removed = to_prune(entries(root), max_size, older_than)
    for entry in removed:
        entry.path.unlink(missing_ok=True)
        if entry.kind in RESULT_KINDS:
            (root / "jobs" / f"{entry.path.stem}.json").unlink(missing_ok=True)
    return removed


def describe(entry: Entry) -> str:
    """What an entry is about, for a table: the model of a score vector, else its key."""
    if entry.kind == "scores":
        return str(entry.detail.get("uri") or entry.detail.get("model_identity") or entry.path.stem)
    if entry.kind == "dataset":
        return f"test set {entry.path.stem[:12]}"
    job = entry.path.parent.parent.parent / "jobs" / f"{entry.path.stem}.json"
    try:
        subjects = json.loads(job.read_text()).get("subjects") or []
    except (OSError, ValueError):
        subjects = []
    return " vs ".join(reversed(subjects)) if subjects else entry.path.stem[:12]
