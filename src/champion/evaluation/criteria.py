"""How a model chooses its own threshold, and the quantity then compared between models.

Written as text on the command line (``--operating-point``) and in JSON:

- ``min_cost:FP:FN``: the threshold with the least mean cost per row, a false positive costing
  FP and a false negative FN (e.g. ``min_cost:1:5``); compared: the mean cost per row;
- ``recall_at_precision:P``: the highest recall with precision >= P; compared: recall (and the
  precision reached);
- ``fpr_at_recall:R``: the lowest false positive rate with recall >= R; compared: the FPR (and
  the recall reached);
- ``youden``: the highest Youden's J = recall - FPR; compared: J;
- ``max_f1``: the highest F1; compared: F1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from champion.errors import DataError
from champion.evaluation.sweep import OperatingPoint, ThresholdSweep

# criterion -> (number of parameters, compared quantity)
CRITERIA: dict[str, tuple[int, str]] = {
    "min_cost": (2, "mean_cost"),
    "recall_at_precision": (1, "recall"),
    "fpr_at_recall": (1, "fpr"),
    "youden": (0, "youden_j"),
    "max_f1": (0, "f1"),
}
FORMS = (
    "min_cost:FP:FN (e.g. min_cost:1:5)",
    "recall_at_precision:P (e.g. recall_at_precision:0.9)",
    "fpr_at_recall:R (e.g. fpr_at_recall:0.8)",
    "youden",
    "max_f1",
)


@dataclass(frozen=True)
class Criterion:
    """A criterion (a key of CRITERIA) with its parameters: the costs of a false positive and a
    false negative (min_cost), or level, the least precision (recall_at_precision) or recall
    (fpr_at_recall) allowed. Checked when made: bad values raise DataError."""

    name: str
    cost_fp: float = 0.0
    cost_fn: float = 0.0
    level: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in CRITERIA:
            raise DataError(f"unknown criterion {self.name!r}: use one of {forms()}.")
        if self.name == "min_cost":
            costs = (self.cost_fp, self.cost_fn)
            if not all(math.isfinite(c) and c >= 0 for c in costs) or not any(costs):
                raise DataError(
                    f"min_cost needs two costs >= 0, not both zero (FP, then FN); got "
                    f"{self.cost_fp:g} and {self.cost_fn:g}, e.g. min_cost:1:5."
                )
        elif self.name in ("recall_at_precision", "fpr_at_recall") and not (
            0.0 <= self.level <= 1.0
        ):
            raise DataError(
                f"{self.name} needs a level between 0 and 1; got {self.level:g}, e.g. "
                f"{self.name}:0.9."
            )

    @property
    def text(self) -> str:
        """The criterion as written on the command line ("min_cost:1:5")."""
        arity = CRITERIA[self.name][0]
        if arity == 2:
            return f"{self.name}:{self.cost_fp:g}:{self.cost_fn:g}"
        return f"{self.name}:{self.level:g}" if arity == 1 else self.name

    @property
    def quantity(self) -> str:
        """The compared quantity: mean_cost, recall, fpr, youden_j or f1."""
        return CRITERIA[self.name][1]

    @property
    def reached(self) -> str | None:
        """The constrained metric also reported: precision, recall, or None."""
        return {"recall_at_precision": "precision", "fpr_at_recall": "recall"}.get(self.name)

    @property
    def lower_is_better(self) -> bool:
        return self.quantity in ("mean_cost", "fpr")

    @property
    def proportion(self) -> bool:
        """Whether the quantity is a plain proportion of rows (recall, FPR): Wilson applies."""
        return self.quantity in ("recall", "fpr")

    def parts(self) -> list[str | float]:
        """The values a stored result's key includes."""
        return [self.name, float(self.cost_fp), float(self.cost_fn), float(self.level)]

    def choose(self, sweep: ThresholdSweep) -> OperatingPoint:
        """The threshold this criterion picks on the sweep's rows."""
        if self.name == "min_cost":
            return sweep.min_cost(self.cost_fp, self.cost_fn)
        if self.name == "recall_at_precision":
            return sweep.max_recall_at_precision(self.level)
        if self.name == "fpr_at_recall":
            return sweep.min_fpr_at_recall(self.level)
        return sweep.youden() if self.name == "youden" else sweep.max_f1()


def forms() -> str:
    return ", ".join(FORMS)


def parse_criterion(text: str) -> Criterion:
    """ "min_cost:1:5", "recall_at_precision:0.9", "fpr_at_recall:0.8", "youden", "max_f1" ->
    the Criterion; DataError naming the forms otherwise."""
    name, *args = (part.strip() for part in str(text).strip().split(":"))
    wrong = DataError(f"{text!r} is not an operating-point criterion: write one of {forms()}.")
    if name not in CRITERIA or len(args) != CRITERIA[name][0]:
        raise wrong
    try:
        numbers = [float(arg) for arg in args]
    except ValueError:
        raise wrong from None
    if name == "min_cost":
        return Criterion(name, cost_fp=numbers[0], cost_fn=numbers[1])
    return Criterion(name, level=numbers[0]) if numbers else Criterion(name)
