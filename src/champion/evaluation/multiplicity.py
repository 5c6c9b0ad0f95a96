"""Multiplicity: p-values adjusted for judging several hypotheses at once.

Judging five challengers that are no better than the champion, each at the 5% level, finds at
least one "better" about 1 - 0.95^5 = 23% of the time. Holm's step-down procedure controls the
family-wise error rate (the chance of any false "better" or "worse" in the family) at the same
level, under any dependence between the tests, and is uniformly more powerful than Bonferroni.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values, in the order given; None or NaN entries are not part of the
    family and stay None.

    With the m defined p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value of
    p_(i) is max_{j <= i} min(1, (m - j + 1) * p_(j)); rejecting where the adjusted value is
    below alpha is Holm's procedure at level alpha (equal to statsmodels'
    ``multipletests(method="holm")``).
    """
    defined = [(i, float(p)) for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    adjusted: list[float | None] = [None] * len(p_values)
    if not defined:
        return adjusted
    index = np.array([i for i, _ in defined])
    values = np.array([p for _, p in defined], dtype=np.float64)
    m = values.size
    order = np.argsort(values, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * values[order])
    stepped = np.maximum.accumulate(scaled)
    for position, value in zip(index[order], stepped, strict=True):
        adjusted[int(position)] = float(value)
    return adjusted
