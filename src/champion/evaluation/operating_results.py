"""The results of matched operating points (see ``champion.evaluation.operating``): each model's
quantity at its own threshold, each challenger's paired difference, and the whole answer with
how the thresholds were chosen. Frozen, JSON-ready through ``to_dict()``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from champion.evaluation.counts import Confusion
from champion.evaluation.criteria import Criterion
from champion.evaluation.sweep import OperatingPoint

OPTIMISTIC_NOTE = (
    "each threshold was chosen and reported on the same rows: the values are optimistic (the "
    "best threshold on these rows, partly for their noise) and the intervals cover less often "
    "than they say; choose on part of the rows and report on the rest (a holdout split)"
)


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class PointEstimate:
    """A value on the report rows with its interval: method "wilson" or "delta"; None (and a
    reason) when no interval, or no value, is given."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    method: str | None
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "method": self.method,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MatchedPoint:
    """One model at its own threshold. chosen: the sweep's point on the choose rows (threshold,
    objective and counts there; threshold None with a reason when none meets the criterion);
    quantity and reached (the constraint's metric: precision for recall_at_precision, recall
    for fpr_at_recall, else None) and confusion: on the report rows at that threshold."""

    model: str
    chosen: OperatingPoint
    quantity: PointEstimate
    reached: PointEstimate | None
    confusion: Confusion | None

    @property
    def threshold(self) -> float | None:
        return self.chosen.threshold

    def to_dict(self) -> dict[str, object]:
        chosen = self.chosen.to_dict()
        return {
            "threshold": chosen["threshold"],
            **self.quantity.to_dict(),
            "reached": None if self.reached is None else self.reached.to_dict(),
            "confusion": None if self.confusion is None else self.confusion.to_dict(),
            "chosen": chosen,
        }


@dataclass(frozen=True)
class PointDifference:
    """challenger - baseline of the quantity, each at its own threshold on the same report
    rows: a paired interval and two-sided p-value (method "delta"), a verdict ("better" /
    "worse" when p < 1 - confidence, judged by the quantity's direction; "no significant
    difference"; "undefined") and the reason in words."""

    model: str
    baseline: str
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str | None
    verdict: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "delta": self.delta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "method": self.method,
            "verdict": self.verdict,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MatchedPoints:
    """Every model at its own operating point under one criterion, and each challenger's
    difference to the baseline. chosen_on: "same rows" (optimistic, see the module) or
    "holdout" (choose_rows chose, report_rows reported; fraction and seed when drawn)."""

    criterion: Criterion
    baseline: str
    confidence: float
    points: Mapping[str, MatchedPoint]
    differences: Mapping[str, PointDifference]
    chosen_on: str
    choose_rows: int
    report_rows: int
    fraction: float | None = None
    seed: int | None = None
    weighted: bool = False

    @property
    def optimistic(self) -> bool:
        return self.chosen_on == "same rows"

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion.text,
            "quantity": self.criterion.quantity,
            "reached": self.criterion.reached,
            "baseline": self.baseline,
            "confidence": self.confidence,
            "chosen_on": self.chosen_on,
            "holdout": None
            if self.optimistic
            else {
                "fraction": self.fraction,
                "seed": self.seed,
                "choose_rows": self.choose_rows,
                "report_rows": self.report_rows,
            },
            "rows": self.report_rows,
            "weighted": self.weighted,
            "optimistic": self.optimistic,
            "note": OPTIMISTIC_NOTE if self.optimistic else None,
            "models": {name: p.to_dict() for name, p in self.points.items()},
            "differences": {name: d.to_dict() for name, d in self.differences.items()},
        }
