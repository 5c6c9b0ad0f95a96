"""Delta-method standard errors from the table of distinct scores (numpy only).

champion.evaluation.influence gives every row an influence value psi_i and the standard error
sqrt(sum_i psi_i^2) / n. Every influence there depends on the row only through its label and
its score's group (the threshold metrics through "score >= threshold", log loss and Brier
through the score, average precision through the group's counts), so the rows fall into at
most 2D cells (group k, label) of equal psi, and sum_i psi_i^2 = sum_cells count * psi^2: the
same standard errors, exactly, without the rows. Unweighted rows only, as there.
"""

from __future__ import annotations

import math

import numpy as np

from champion.evaluation.counts import BinaryCounts
from champion.evaluation.delong import group_placements
from champion.evaluation.influence import _average_precision
from champion.evaluation.inputs import FloatArray
from champion.evaluation.metrics import clipped_log_losses


class Cells:
    """The non-empty (group, label) cells of a kernel (every one with every=True): counts,
    labels, groups, scores, (m,)."""

    def __init__(self, counts: BinaryCounts, every: bool = False) -> None:
        d = counts.scores.size
        count = np.concatenate((counts.group_fps, counts.group_tps))
        label = np.repeat(np.array([False, True]), d)
        group = np.tile(np.arange(d, dtype=np.intp), 2)
        # every: the empty cells too (rows of zero weight fall in them)
        keep = np.ones(count.size, dtype=bool) if every else count > 0
        self.count: FloatArray = count[keep]
        self.label = label[keep]
        self.group = group[keep]
        self.score: FloatArray = counts.scores[self.group]
        self.n = float(self.count.sum())

    def mean(self, values: FloatArray) -> float:
        """The mean over the rows of a per-cell value (m,)."""
        return float(np.dot(self.count, values)) / self.n

    def standard_error(self, psi: FloatArray) -> float:
        """sqrt(sum over rows of psi^2) / n, as champion.evaluation.influence.standard_error."""
        if self.n < 2:
            return math.nan
        squares = float(np.dot(self.count, psi * psi))
        return math.sqrt(squares) / self.n if math.isfinite(squares) else math.nan

    def ratio(self, numerator: FloatArray, denominator: FloatArray) -> FloatArray:
        """Influences of mean(numerator) / mean(denominator), per cell."""
        scale = self.mean(denominator)
        if scale <= 0.0:
            return np.full(self.count.size, np.nan)
        value = self.mean(numerator) / scale
        return (numerator - value * denominator) / scale

    def mcc(self, cells: tuple[FloatArray, FloatArray, FloatArray, FloatArray]) -> FloatArray:
        """Influences of MCC of the 0/1 indicators (tp, fp, fn, tn), per cell (the gradient of
        champion.evaluation.influence._mcc)."""
        tp, fp, fn, tn = (self.mean(c) for c in cells)
        factors = (tp + fp, tp + fn, tn + fp, tn + fn)
        if min(factors) <= 0.0:
            return np.full(self.count.size, np.nan)
        root = math.sqrt(math.prod(factors))
        value = (tp * tn - fp * fn) / root
        f1, f2, f3, f4 = factors
        gradient = (
            tn / root - 0.5 * value * (1 / f1 + 1 / f2),
            -fn / root - 0.5 * value * (1 / f1 + 1 / f3),
            -fp / root - 0.5 * value * (1 / f2 + 1 / f4),
            tp / root - 0.5 * value * (1 / f3 + 1 / f4),
        )
        return np.asarray(sum(g * c for g, c in zip(gradient, cells, strict=True)), np.float64)


def cell_influences(
    counts: BinaryCounts, threshold: float, probabilities: bool
) -> tuple[Cells, dict[str, FloatArray]]:
    """The non-empty (group, label) cells of a kernel and every metric's influence value in
    each cell (name -> (m,)): those champion.evaluation.influence gives each row of the cell
    (log loss and Brier only when the scores are probabilities)."""
    cells = Cells(counts)
    yf = cells.label.astype(np.float64)
    pf = (cells.score >= threshold).astype(np.float64)
    tp, fp = yf * pf, (1.0 - yf) * pf
    fn, tn = yf * (1.0 - pf), (1.0 - yf) * (1.0 - pf)
    psi: dict[str, FloatArray] = {
        "accuracy": cells.ratio(tp + tn, np.ones_like(yf)),
        "precision": cells.ratio(tp, pf),
        "recall": cells.ratio(tp, yf),
        "specificity": cells.ratio(tn, 1.0 - yf),
        "f1": cells.ratio(2.0 * tp, pf + yf),
        "mcc": cells.mcc((tp, fp, fn, tn)),
    }
    psi["balanced_accuracy"] = 0.5 * (psi["recall"] + psi["specificity"])
    # influence of average precision per (group, label): the engine's own table, one per cell
    _, psi["average_precision"] = _average_precision(cells.label, counts, cells.group)
    if probabilities:
        positive_loss, negative_loss = clipped_log_losses(cells.score)
        for name, loss in (
            ("log_loss", np.where(cells.label, positive_loss, negative_loss)),
            ("brier", (yf - cells.score) ** 2),
        ):
            psi[name] = loss - cells.mean(loss)
    return cells, psi


def cell_placements(counts: BinaryCounts, cells: Cells) -> FloatArray:
    """DeLong's placement of the rows of each cell (m,): V10 of its group for a positive cell,
    V01 for a negative one (champion.evaluation.delong.group_placements)."""
    v10, v01 = group_placements(counts)
    return np.where(cells.label, v10[cells.group], v01[cells.group])


def delta_standard_errors(
    counts: BinaryCounts, threshold: float, probabilities: bool
) -> dict[str, float]:
    """Delta-method standard error of each metric champion.evaluation.influence covers (log
    loss and Brier only when the scores are probabilities), from the kernel's groups alone;
    equal to standard_error(influences(y, score, ...).psi[name]) on the rows."""
    cells, psi = cell_influences(counts, threshold, probabilities)
    return {name: cells.standard_error(values) for name, values in psi.items()}
