"""A test set as the Spark engine reads it (see ``champion.workspace.spark``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from champion.spark.aggregate import label_balance
from champion.spark.rows import SparkTestSet


@dataclass(frozen=True)
class SparkData:
    """A test set as the Spark engine reads it: its rows, the target column and the positive
    label (typed as the column), the weight column if any, and the feature columns given
    (None: every column but the target, the weight and the row id)."""

    rows: SparkTestSet
    target: str
    pos_label: Any
    weight: str | None = None
    features: tuple[str, ...] | None = None

    @property
    def fingerprint(self) -> str:
        return self.rows.fingerprint

    def summary(self) -> dict[str, Any]:
        """What --format json and the report say of the test set."""
        return {
            "source": self.rows.source,
            "rows": self.rows.n,
            "target": self.target,
            "pos_label": self.pos_label,
            "fingerprint": self.rows.fingerprint,
            "engine": "spark",
        }

    def class_balance(self) -> tuple[tuple[Any, int], ...]:
        """(label, rows) of each label, most frequent first, counted on the cluster."""
        return label_balance(self.rows.frame, self.target)

    def excluded(self) -> tuple[str, ...]:
        """Columns that are not the models' features: the target, the weight and, when the
        features are named, every other column."""
        fixed = tuple(c for c in (self.target, self.weight) if c is not None)
        if self.features is None:
            return fixed
        return fixed + tuple(c for c in self.rows.columns if c not in self.features + fixed)
