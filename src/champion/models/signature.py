"""Test data against a model's input signature, checked before the model is asked to predict.

MLflow signatures name each input column and its type ("double", "long", "string", ...).
:func:`check_against_signature` lists every problem at once (missing columns, columns whose
values the type cannot hold) in one :class:`champion.errors.DataError` per model; extra columns
are not a problem: they are dropped before scoring and the returned note says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from champion.errors import DataError
from champion.models.artifact import ColumnSpec, ModelArtifact

NO_SIGNATURE_NOTE = "no signature: columns not checked"
TENSOR_SIGNATURE_NOTE = "tensor signature: columns not checked"
_INTEGER_TYPES = ("integer", "long")
_FLOAT_TYPES = ("float", "double")
_MAX_LISTED = 20


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of a signature check that found no problem.

    ``columns``: the columns to give the model, in signature order (None: give the frame as is).
    ``dropped``: columns of the data that the signature does not name (dropped before scoring).
    ``note``: a sentence for the report, or None when everything matched.
    """

    columns: tuple[str, ...] | None
    dropped: tuple[str, ...]
    note: str | None


def check_against_signature(
    artifact: ModelArtifact, frame: pd.DataFrame, model_label: str
) -> SignatureCheck:
    """Compare ``frame`` (n rows x columns) with the model's input signature.

    Raises DataError listing every missing required column and every type mismatch.
    """
    schema = artifact.input_schema
    if not schema:
        return SignatureCheck(None, (), NO_SIGNATURE_NOTE)
    if any(spec.name is None for spec in schema):
        return SignatureCheck(None, (), TENSOR_SIGNATURE_NOTE)
    present = {str(c): c for c in frame.columns}
    problems: list[str] = []
    missing = [s.name for s in schema if s.name is not None and s.name not in present]
    required_missing = [
        s.name for s in schema if s.required and s.name is not None and s.name not in present
    ]
    if required_missing:
        problems.append(f"missing columns: {_names(required_missing)}")
    for spec in schema:
        if spec.name is not None and spec.name in present:
            problem = _type_problem(spec, frame[present[spec.name]])
            if problem:
                problems.append(f"column {spec.name!r}: {problem}")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise DataError(
            f"the test data does not match the input signature of model {model_label!r}:\n"
            f"{lines}\nFix the test data (or use a model logged for these columns)."
        )
    named = {s.name for s in schema}
    dropped = tuple(str(c) for c in frame.columns if str(c) not in named)
    columns = tuple(s.name for s in schema if s.name is not None and s.name not in missing)
    notes = []
    if dropped:
        notes.append(f"columns not in the model's signature dropped: {_names(dropped)}")
    optional_missing = [m for m in missing if m not in required_missing]
    if optional_missing:
        notes.append(f"optional columns absent: {_names(optional_missing)}")
    return SignatureCheck(columns, dropped, "; ".join(notes) or None)


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_MAX_LISTED])
    return shown + (f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else "")


def _shown(value: object) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _example(values: pd.Series) -> str:
    return _shown(values.dropna().iloc[0]) if values.notna().any() else "missing"


def _non_numbers(values: pd.Series) -> pd.Series:
    """The non-missing entries of an object column that are not real numbers."""
    present = values.dropna()
    mask = [
        isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number)
        for v in present
    ]
    return present[mask]


def _type_problem(spec: ColumnSpec, values: pd.Series) -> str | None:
    """What is wrong with ``values`` (one column) for the signature type, or None."""
    kind = spec.type
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        values = values.astype(dtype.categories.dtype)
        dtype = values.dtype
    text = pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)
    if kind in _INTEGER_TYPES or kind in _FLOAT_TYPES:
        if pd.api.types.is_bool_dtype(dtype):
            return None
        if text:
            bad = _non_numbers(values)
            if len(bad):
                return (
                    f"{kind} expected, but the column holds text or other non-numbers "
                    f"({len(bad)} values, e.g. {_shown(bad.iloc[0])})"
                )
            values = pd.to_numeric(values)
            dtype = values.dtype
        if pd.api.types.is_datetime64_any_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            return f"{kind} expected, but the column is {dtype}"
        if kind in _INTEGER_TYPES:
            return _integer_problem(kind, values)
        return None
    if kind == "string":
        if isinstance(dtype, pd.StringDtype):
            return None
        if pd.api.types.is_object_dtype(dtype):
            bad = values.dropna()[[not isinstance(v, str) for v in values.dropna()]]
            return (
                None
                if bad.empty
                else f"string expected, but e.g. {_shown(bad.iloc[0])} is not text"
            )
        return f"string expected, but the column is {dtype} (e.g. {_example(values)})"
    if kind == "boolean":
        if pd.api.types.is_bool_dtype(dtype):
            return None
        bad = values.dropna()[[not isinstance(v, bool | np.bool_) for v in values.dropna()]]
        return None if bad.empty else f"boolean expected, but e.g. {_shown(bad.iloc[0])} is not"
    if kind == "datetime":
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return None
        return f"datetime expected, but the column is {dtype} (e.g. {_example(values)})"
    return None  # binary, arrays, objects, maps, "any": not checked


def _integer_problem(kind: str, values: pd.Series) -> str | None:
    """Problem of a numeric column where an integer type is expected (None if whole, no NaN)."""
    expected = "integer" if kind == "integer" else f"{kind} (integer)"
    missing = int(values.isna().sum())
    if missing:
        return (
            f"{expected} expected, but the column has {missing} missing values "
            "(an integer column cannot hold them); fill or drop them"
        )
    if pd.api.types.is_integer_dtype(values.dtype):
        return None
    numbers = values.to_numpy(dtype=np.float64)
    finite = numbers[np.isfinite(numbers)]
    if len(finite) < len(numbers) or np.any(finite != np.round(finite)):
        bad = numbers[~np.isfinite(numbers) | (numbers != np.round(numbers))]
        return f"{expected} expected, but the column has fractional values (e.g. {bad[0]})"
    return None
