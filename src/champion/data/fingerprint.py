"""A content hash of the rows a model is evaluated on.

Two evaluations share a fingerprint exactly when they see the same rows, in the same order, with
the same columns (names, order and dtypes), the same values, the same target, positive label and
recipe. What is hashed (:func:`fingerprint`):

- a header: format version, recipe name (or none), target name, positive label (type and value),
  the number of rows, and for each column of the evaluated frame its name and pandas dtype;
- for each row, pandas' 64-bit hash of its values (``hash_pandas_object(frame, index=False)``),
  in row order.

The file it came from (path, URL, CSV or Parquet, compression) and the row index are not hashed:
the same table read from a CSV file and from a Parquet file has the same fingerprint when the
columns come back with the same dtypes (int64, float64 and str do; a CSV cannot hold e.g.
category or nullable Int64 dtypes, so such Parquet columns fingerprint differently).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FINGERPRINT_VERSION = 1


def _label_token(label: Any) -> str:
    """The positive label as "type:repr", numpy scalars as their Python equivalents (1 != 1.0)."""
    import numpy as np  # numpy and pandas load on use: ``champion.data`` imports this module

    value = label.item() if isinstance(label, np.generic) else label
    return f"{type(value).__name__}:{value!r}"


def fingerprint(
    frame: pd.DataFrame, *, target: str, pos_label: Any, recipe: str | None = None
) -> str:
    """sha256 hex digest (64 characters) of the evaluated frame (n rows x features + target).

    frame holds exactly the evaluated columns, in order (the target among them); its index is
    ignored. Any changed value, column name, column order, dtype, row order, target, pos_label
    or recipe changes the digest.
    """
    import numpy as np
    from pandas.util import hash_pandas_object

    header = {
        "version": FINGERPRINT_VERSION,
        "recipe": recipe,
        "target": target,
        "pos_label": _label_token(pos_label),
        "rows": int(frame.shape[0]),
        "columns": [[str(name), str(dtype)] for name, dtype in frame.dtypes.items()],
    }
    digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode("utf-8"))
    digest.update(b"\0")
    rows = hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    digest.update(rows.astype("<u8", copy=False).tobytes())
    return digest.hexdigest()
