"""One copy of the test set per host: an Arrow file in the cache that every process maps.

``champion serve`` loads the test set once (reading, downloading, applying the recipe, checking
it) and publishes it with :func:`publish`; each worker opens it with :func:`open_published`. The
file is memory-mapped and its numeric columns become read-only pandas columns backed by the
mapping, so four workers at a million rows hold one copy in the page cache, not five in their
own memory. The file is named by the test set's fingerprint and written atomically, so a
reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from champion.data.dataset import EvalDataset
from champion.errors import DataError

#: schema metadata key of what is not a column (target, positive label, fingerprint, ...)
_META = b"champion.dataset"
_FORMAT = 1


def published_path(directory: Path, dataset: EvalDataset) -> Path:
    """Where :func:`publish` puts dataset in directory."""
    return Path(directory) / f"{dataset.fingerprint}.arrow"


def publish(dataset: EvalDataset, directory: Path) -> Path:
    """Write dataset's features and target as an Arrow IPC file in directory (kept when one
    with the same fingerprint is there already) and return its path.

    Raises DataError when the folder cannot be written or a column cannot be stored in Arrow
    (e.g. an object column mixing numbers and text).
    """
    path = published_path(directory, dataset)
    if path.exists():
        return path
    meta = {
        "format": _FORMAT,
        "features": [str(name) for name in dataset.frame.columns],
        "target": dataset.target,
        "pos_label": dataset.pos_label,
        "fingerprint": dataset.fingerprint,
        "source": dataset.source,
        "recipe": dataset.recipe,
    }
    frame = dataset.frame.copy(deep=False)
    frame.columns = meta["features"]
    frame[_target_column(meta["features"])] = dataset.labels
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), _META: json.dumps(meta).encode()}
        )
        _write_atomically(table, path)
    except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
        raise DataError(
            f"cannot share the test set {dataset.source!r} between processes as an Arrow file "
            f"in {directory} ({type(exc).__name__}: {exc})."
        ) from None
    return path


def open_published(path: Path) -> EvalDataset:
    """The test set in the Arrow file at path, memory-mapped: numeric feature columns without
    missing values are read-only views of the file; labels (n,) and y (n,) bool are built.

    Raises DataError when the file is missing, unreadable or not one :func:`publish` wrote.
    """
    try:
        table = ipc.open_file(pa.memory_map(str(path))).read_all()
        meta = json.loads((table.schema.metadata or {})[_META])
    except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
        raise DataError(
            f"cannot read the shared test set {str(path)!r} ({type(exc).__name__}: {exc}); "
            "restart champion serve to publish it again."
        ) from None
    if meta.get("format") != _FORMAT or Path(path).stem != meta.get("fingerprint"):
        raise DataError(f"{str(path)!r} is not a test set champion published.")
    frame = table.to_pandas(split_blocks=True)  # one block per column: no copy to merge them
    target_column = _target_column(meta["features"])
    labels = frame[target_column].to_numpy()
    pos_label: Any = meta["pos_label"]
    return EvalDataset(
        frame=frame[meta["features"]],
        labels=labels,
        target=meta["target"],
        pos_label=pos_label,
        y=np.asarray(labels == pos_label, dtype=bool),
        fingerprint=meta["fingerprint"],
        source=meta["source"],
        recipe=meta["recipe"],
    )


def _target_column(features: list[str]) -> str:
    """A column name for the labels that no feature has (the target's own name is not used: a
    recipe may keep a feature of that name)."""
    name = "__champion_target__"
    while name in features:
        name += "_"
    return name


def _write_atomically(table: pa.Table, path: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".arrow", dir=path.parent)
    os.close(handle)
    try:
        with pa.OSFile(temporary, "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
