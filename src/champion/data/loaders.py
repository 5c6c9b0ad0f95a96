"""Loading a held-out test set (CSV or Parquet; a local file or folder, http(s), an object
store, an MLflow artifact) as an :class:`EvalDataset`.

Every problem a user can cause raises :class:`champion.errors.DataError` naming the file, column
or rows and saying what to do.
"""

from __future__ import annotations

import difflib
import http.client
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import numpy.typing as npt
import pandas as pd

from champion.data.dataset import EvalDataset
from champion.data.fingerprint import fingerprint
from champion.data.recipes import Recipe, apply_recipe, get_recipe
from champion.data.remote import fetch_object, is_object_uri
from champion.data.tables import (
    SUPPORTED_SUFFIXES,
    Limits,
    _listed,
    column,
    parse_label,
    read_table,
)
from champion.errors import DataError

URL_SCHEMES = ("http://", "https://")
_CHUNK_BYTES = 1 << 16
_MAX_ROWS_SHOWN = 5
_MAX_LABELS_SHOWN = 10


def is_url(source: str | Path) -> bool:
    """True when source is a string starting with http:// or https:// (any case)."""
    return isinstance(source, str) and source.strip().lower().startswith(URL_SCHEMES)


def _fetch_reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


class _WebOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) addresses only (never file:, ftp: or others)."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        if not newurl.lower().startswith(URL_SCHEMES):
            raise urllib.error.URLError(f"redirected to {newurl!r}, which is not http(s)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_WebOnlyRedirects)


def _download(url: str, directory: Path, timeout: float, limits: Limits) -> Path:
    """Save url into directory under the file name of its path; return that file.

    The timeout bounds each connection attempt and read, and the whole transfer is abandoned
    once it has taken longer than timeout seconds or more than limits.max_bytes; redirects
    are followed to http(s) addresses only.
    """
    name = Path(urlparse(url).path).name
    if not name.lower().endswith(SUPPORTED_SUFFIXES):
        raise DataError(
            f"cannot read {url!r}: unsupported file type (the address must end in one of "
            f"{', '.join(SUPPORTED_SUFFIXES)}); download the file and pass its local path."
        )
    file = directory / name
    deadline = time.monotonic() + timeout
    received = 0
    try:
        with _OPENER.open(url, timeout=timeout) as response, file.open("wb") as out:
            while chunk := response.read(_CHUNK_BYTES):
                received += len(chunk)
                if received > limits.max_bytes:
                    raise limits.too_large(f"{url!r} (downloading)", received)
                out.write(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError("the download took too long")
    except DataError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise DataError(
            f"could not fetch {url!r} within {timeout:g} s ({_fetch_reason(exc)}); check the "
            "address, or download the file and pass its local path."
        ) from None
    return file


#: Copies an MLflow artifact (``runs:/RUN_ID/path``, ``mlflow-artifacts:/...``) into a folder
#: within limits and returns the local file or folder; given by the models layer, which alone
#: talks to MLflow.
Fetch = Callable[[str, Path, Limits], Path]
MLFLOW_SCHEMES = ("runs:/", "mlflow-artifacts:/")


def is_mlflow_uri(source: object) -> bool:
    """True for ``runs:/...`` and ``mlflow-artifacts:/...`` (any case)."""
    return isinstance(source, str) and source.strip().lower().startswith(MLFLOW_SCHEMES)


def read_source(
    source: str | Path,
    *,
    timeout: float = 15.0,
    limits: Limits | None = None,
    fetch: Fetch | None = None,
) -> pd.DataFrame:
    """The table (rows x named columns) at source, within limits: a local file or folder of
    Parquet files, an http(s) URL, an object-store URI (``s3://``, ``gs://``, ``abfs://``: a
    file or a prefix of Parquet files), or an MLflow artifact URI read through fetch.

    Anything remote is copied into a temporary folder (removed afterwards); URLs within
    timeout seconds. Raises DataError as :func:`champion.data.read_table` does, and when the
    source cannot be fetched (messages name source, never the temporary copy).
    """
    limits = limits or Limits()
    text = str(source).strip()
    if not (is_url(source) or is_object_uri(text) or is_mlflow_uri(text)):
        return read_table(source, limits)
    if is_url(source) and not timeout > 0:
        raise DataError(f"timeout must be a positive number of seconds; got {timeout!r}.")
    if is_mlflow_uri(text) and fetch is None:
        raise DataError(
            f"{text!r} is an MLflow artifact: it is read through the tracking server, which "
            "this command does not know; pass --tracking-uri or set MLFLOW_TRACKING_URI."
        )
    with tempfile.TemporaryDirectory(prefix="champion-") as directory:
        folder = Path(directory)
        if is_url(source):
            local = _download(text, folder, timeout, limits)
        elif is_object_uri(text):
            local = fetch_object(text, folder, limits)
        else:
            assert fetch is not None
            local = fetch(text, folder, limits)
        try:
            return read_table(local, limits)
        except DataError as exc:  # name the source, not the temporary copy
            raise DataError(str(exc).replace(repr(str(local)), repr(text))) from None


def _rows(mask: npt.NDArray[np.bool_]) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_ROWS_SHOWN])
    more = f" and {rows.size - _MAX_ROWS_SHOWN} more" if rows.size > _MAX_ROWS_SHOWN else ""
    return f"{shown}{more}"


def _feature_names(
    frame: pd.DataFrame, target: str, features: Sequence[str] | None, source: str
) -> list[Any]:
    """The feature columns: those listed (checked), else every column but the target."""
    if features is None:
        names: list[Any] = [name for name in frame.columns if name != target]
    else:
        names = [features] if isinstance(features, str) else list(features)
        unknown = [name for name in names if name not in frame.columns]
        if unknown:
            columns = [str(c) for c in frame.columns]
            hints = [
                f"{close[0]!r} for {name!r}"
                for name in unknown
                if (close := difflib.get_close_matches(str(name), columns, n=1))
            ]
            hint = f"; did you mean {', '.join(hints)}?" if hints else "."
            raise DataError(
                f"feature column{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(map(repr, unknown))} not found in {source!r}; columns are: "
                f"{_listed(columns)}{hint}"
            )
        repeated = [str(name) for name, count in Counter(names).items() if count > 1]
        if repeated:
            raise DataError(
                f"features list {', '.join(map(repr, repeated))} more than once; "
                "name each feature column once."
            )
        if target in names:
            raise DataError(
                f"the target column {target!r} is also listed as a feature; a model must not "
                "see the label it predicts. Remove it from the features."
            )
    if not names:
        raise DataError(
            f"{source!r} has no feature columns besides the target {target!r}; "
            "a model needs at least one feature to be scored."
        )
    return names


def _label_text(label: Any) -> str:
    return repr(label.item() if isinstance(label, np.generic) else label)


def _looks_negative(label: Any) -> bool:
    """True for labels that conventionally mean the negative class (0, False, "0", "no")."""
    if isinstance(label, (bool, np.bool_)):
        return not bool(label)
    if isinstance(label, (int, float, np.integer, np.floating)):
        return float(label) == 0.0
    return str(label).strip().lower() in {"0", "false", "no", "negative"}


def _distinct(labels: npt.NDArray[Any]) -> list[Any]:
    values = list(pd.unique(pd.Series(labels, dtype=labels.dtype)))
    try:
        return sorted(values)
    except TypeError:  # mixed types: keep the order of appearance
        return values


def _positive_label(series: pd.Series, pos_label: Any) -> Any:
    """pos_label as a value of the target's type (text from --pos-label parsed, numpy unboxed)."""
    if isinstance(pos_label, str) and series.dtype.kind in "biuf":
        return parse_label(series, pos_label)
    return pos_label.item() if isinstance(pos_label, np.generic) else pos_label


def _binary(
    labels: npt.NDArray[Any], pos_label: Any, target: str, source: str
) -> npt.NDArray[np.bool_]:
    """labels == pos_label (n,) bool (two labels at most), after checking they hold pos_label.

    As the evaluation engine does, a single label that conventionally means negative (0, False,
    "no") is accepted without positives: metrics that need both classes are then undefined.
    """
    if labels.dtype.kind in "OUST":
        y = np.asarray(labels.astype(str) == str(pos_label), dtype=bool)
    else:
        y = np.asarray(labels == pos_label, dtype=bool)
    distinct = _distinct(labels)
    shown = ", ".join(_label_text(v) for v in distinct[:_MAX_LABELS_SHOWN])
    if not y.any() and (len(distinct) == 2 or not _looks_negative(distinct[0])):
        raise DataError(
            f"positive label {pos_label!r} does not occur in target column {target!r} of "
            f"{source!r}, whose labels are {shown}; pass --pos-label (pos_label=) with the "
            "label of the positive class."
        )
    return y


def load_dataset(
    source: str | Path,
    *,
    target: str | None = None,
    pos_label: Any = 1,
    features: Sequence[str] | None = None,
    recipe: str | None = None,
    timeout: float = 15.0,
    limits: Limits | None = None,
    fetch: Fetch | None = None,
) -> EvalDataset:
    """Load a held-out test set of n rows from a CSV/Parquet file or an http(s) URL.

    source: local path (.csv, .csv.gz, .parquet, .pq, or a folder of Parquet files), http(s)
    URL of such a file (fetched within timeout seconds), object-store URI (s3://, gs://,
    abfs://) of a file or prefix, or MLflow artifact URI (runs:/, mlflow-artifacts:/) read with
    fetch; at most limits' bytes and rows are read (default Limits()).
    recipe: name of a registered preprocessing (see :data:`champion.data.RECIPES`, e.g.
    "titanic"), applied first; it sets the default target
    and features. target: the label column (required without a recipe). features: the feature
    columns in order (default: every column but the target). pos_label: the positive class;
    text (e.g. from --pos-label) is converted to the target's type.

    Returns an :class:`EvalDataset` whose frame is (n, n_features) and labels and y are (n,).
    Raises DataError for a missing/unreadable/unsupported file, an unreachable URL, an unknown
    recipe or missing recipe columns, nothing left after the recipe, a missing target or
    feature column, missing target values, or a pos_label that does not occur. A target of
    three or more distinct labels makes a multiclass test set (``classes``; pos_label unused).
    """
    where = str(source)
    chosen: Recipe | None = get_recipe(recipe) if recipe is not None else None
    frame = read_source(source, timeout=timeout, limits=limits, fetch=fetch)
    if chosen is not None:
        frame = apply_recipe(chosen, frame, where)
    if target is None:
        if chosen is None:
            raise DataError(
                f"no target column given for {where!r}: pass target= (--target) naming the "
                f"column of true labels; columns are: {_listed(list(frame.columns))}."
            )
        target = chosen.target
    labels_column = column(frame, target, "target")
    if features is None and chosen is not None:
        features = chosen.features
    names = _feature_names(frame, target, features, where)
    missing = labels_column.isna().to_numpy()
    if missing.any():
        after = f" after recipe {chosen.name!r}" if chosen is not None else ""
        raise DataError(
            f"target column {target!r} of {where!r} has {int(missing.sum())} missing values "
            f"(rows {_rows(missing)}: 0-based data rows{after}, header not counted); drop "
            "those rows or fill in their labels."
        )
    labels = labels_column.to_numpy()
    distinct = _distinct(labels)
    classes = None
    if len(distinct) > 2:  # a multiclass test set: every class counts, none is "positive"
        label, classes = None, tuple(_plain(v) for v in distinct)
        y = np.zeros(labels.shape[0], dtype=bool)
    else:
        label = _positive_label(labels_column, pos_label)
        y = _binary(labels, label, target, where)
    evaluated = frame[[*names, target]].reset_index(drop=True)
    name = chosen.name if chosen is not None else None
    return EvalDataset(
        frame=evaluated[names].copy(),
        labels=labels,
        target=target,
        pos_label=label,
        y=y,
        fingerprint=fingerprint(evaluated, target=target, pos_label=label, recipe=name),
        source=where,
        recipe=name,
        classes=classes,
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value
