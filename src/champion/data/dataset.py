"""The held-out test set a model is evaluated on (see :func:`champion.data.load_dataset`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd


@dataclass(frozen=True, eq=False)
class EvalDataset:
    """Features, labels and identity of one test set of n rows.

    frame: DataFrame (n, n_features) of the feature columns only, in order, index 0..n-1.
    labels: (n,) the target values as they are in the data (e.g. 0/1, "yes"/"no").
    target: name of the target column; pos_label: the label of the positive class.
    y: (n,) bool, ``labels == pos_label``.
    fingerprint: sha256 hex (64 characters) of the evaluated rows, columns, target, pos_label and
    recipe (see :mod:`champion.data.fingerprint`); equal fingerprints mean equal test sets.
    source: the path or URL as given; recipe: the recipe applied, or None.
    classes: the target's distinct labels, sorted, when it has three or more (a multiclass test
    set: pos_label is then None and y all False); None for two classes.

    Compared by identity (``eq=False``): compare ``fingerprint`` to know whether two datasets
    hold the same rows.
    """

    frame: pd.DataFrame
    labels: npt.NDArray[Any]
    target: str
    pos_label: Any
    y: npt.NDArray[np.bool_]
    fingerprint: str
    source: str
    recipe: str | None = None
    classes: tuple[Any, ...] | None = None

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.y.shape[0])

    @property
    def positives(self) -> int:
        """Number of rows whose label is pos_label."""
        return int(np.count_nonzero(self.y))

    def summary(self) -> dict[str, object]:
        """What identifies the test set in JSON output and logged runs."""
        return {
            "fingerprint": self.fingerprint,
            "rows": self.n,
            "source": self.source,
            "recipe": self.recipe,
            "target": self.target,
            **({"classes": list(self.classes)} if self.classes is not None else {}),
        }

    @property
    def features(self) -> tuple[str, ...]:
        """Names of the feature columns, in the order of frame."""
        return tuple(str(name) for name in self.frame.columns)
