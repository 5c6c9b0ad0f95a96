"""A holdout split of the test set: one part of the rows chooses each model's threshold, the
other reports at it (see ``champion.evaluation.operating`` for why)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.inputs import BoolArray


@dataclass(frozen=True)
class Split:
    """The rows that choose the thresholds and those that report at them: choose, report (n,)
    bool, disjoint, each with positive and negative rows; fraction and seed when drawn by
    holdout_split (None for masks given by the caller)."""

    choose: BoolArray
    report: BoolArray
    fraction: float | None = None
    seed: int | None = None


def holdout_fraction(fraction: Any) -> float:
    """fraction as a float strictly between 0 and 1; DataError otherwise."""
    try:
        value = float(fraction)
    except (TypeError, ValueError):
        value = math.nan
    if not 0.0 < value < 1.0:
        raise DataError(
            f"the holdout split must be a fraction strictly between 0 and 1 (the share of rows "
            f"that chooses the thresholds; 0.5 for half); got {fraction!r}."
        )
    return value


def holdout_split(y: BoolArray, fraction: float, seed: int = 0) -> Split:
    """Rows drawn to choose (fraction of each class, rounded) and the rest to report, for
    labels y (n,): stratified, so both parts keep the test set's share of positives, and the
    same for the same seed."""
    share = holdout_fraction(fraction)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"the holdout split's seed must be a whole number >= 0; got {seed!r}.")
    rng = np.random.default_rng(int(seed))
    choose = np.zeros(y.size, dtype=bool)
    for members in (np.flatnonzero(y), np.flatnonzero(~y)):
        take = math.floor(share * members.size + 0.5)
        choose[rng.permutation(members)[:take]] = True
    found = Split(choose, ~choose, share, int(seed))
    check_split(y, found)
    return found


def _classes(y: BoolArray, mask: BoolArray, part: str) -> None:
    positives = int(np.count_nonzero(y & mask))
    negatives = int(np.count_nonzero(~y & mask))
    for count, kind in ((positives, "positive"), (negatives, "negative")):
        if count == 0:
            raise DataError(
                f"the rows that {part} have no {kind} rows ({positives} positive, {negatives} "
                f"negative of {int(np.count_nonzero(mask))}): each part of a holdout split needs "
                f"both classes. The test set has {int(np.count_nonzero(y))} positive and "
                f"{int(np.count_nonzero(~y))} negative rows; use a larger test set, another "
                "split fraction, or choose and report on all rows (no holdout; optimistic)."
            )


def check_split(y: BoolArray, split: Split) -> None:
    """DataError unless split's masks are (n,) bool, disjoint, and each holds both classes."""
    for mask, part in ((split.choose, "choose"), (split.report, "report")):
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != y.shape:
            got = np.asarray(mask)
            raise DataError(
                f"the holdout split's {part} mask must be a numpy bool array of shape {y.shape}; "
                f"got {type(mask).__name__} of {got.dtype}, shape {got.shape}."
            )
    if np.any(split.choose & split.report):
        raise DataError(
            "the holdout split's choose and report masks overlap: a row that chooses a "
            "threshold must not also report at it."
        )
    _classes(y, split.choose, "choose the thresholds")
    _classes(y, split.report, "report at them")


def choose_and_report(
    y: BoolArray, holdout: float | None, seed: int, split: Split | None
) -> Split | None:
    """The split asked for (holdout: drawn; split: given, checked), or None to choose and
    report on every row (which then must hold both classes)."""
    if holdout is not None and split is not None:
        raise DataError("give either a holdout fraction or a split's masks, not both.")
    if split is not None:
        check_split(y, split)
        return split
    if holdout is not None:
        return holdout_split(y, holdout, seed)
    if y.all() or not y.any():
        kind = "negative" if y.all() else "positive"
        raise DataError(f"the test set has no {kind} rows: operating points need both classes.")
    return None
