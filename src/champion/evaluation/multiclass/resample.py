"""Bootstrap distributions of every multiclass metric, the same resamples for every model.

As in :mod:`champion.evaluation.bootstrap`, a resample only changes how often each row counts:
a chunk of resamples is a (b, n) matrix of row counts (times the sample weights) from
:func:`~champion.evaluation.bootstrap.resample_chunks`, and each metric of each resample follows
from sums of those counts, without re-sorting:

* the confusion matrices (b, K, K): the counts summed within each cell (true, predicted);
* log loss, Brier, top-2 accuracy: counts times the rows' losses (hits);
* the top-label ECE: per bin of the top probability, the counts' sums of the probability and of
  "predicted right";
* one-vs-rest AUC: cumulative counts down each column's order (computed once per model);
  one-vs-one: the same within each pair of classes' rows.

Cost per resample: O(K n) for the one-vs-rest and one-vs-one AUCs, O(n) for the rest.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.evaluation.bootstrap import resample_chunks
from champion.evaluation.inputs import FloatArray
from champion.evaluation.metrics import auc_from_cumulative
from champion.evaluation.multiclass.confusion import predicted_classes
from champion.evaluation.multiclass.inputs import IntArray, MulticlassInput
from champion.evaluation.multiclass.probability import (
    _EPS,
    ECE_BINS,
    top_k_hits,
    true_class_probability,
)
from champion.evaluation.multiclass.ranking import rows_by_class


@dataclass(frozen=True)
class Ranked:
    """One binary ranking of m rows: rows (m,) their positions among the n rows, by decreasing
    score; positive (m,) 0/1 floats in that order; ends (D,) where each distinct score's run
    ends, or None when every score is distinct."""

    rows: IntArray
    positive: FloatArray
    ends: IntArray | None


def ranked(rows: IntArray, positive: npt.NDArray[np.bool_], score: FloatArray) -> Ranked:
    """The ranking of rows (m,) with labels positive (m,) and scores score (m,)."""
    order = np.argsort(score)[::-1]
    ordered = score[order]
    new = np.r_[ordered[1:] != ordered[:-1], True]
    ends = None if new.all() else np.flatnonzero(new)
    return Ranked(rows[order], positive[order].astype(np.float64), ends)


def resampled_auc(ranking: Ranked, counts: FloatArray) -> FloatArray:
    """ROC AUC under each resample (b,), for row counts (b, n); NaN where a side is empty."""
    every = np.take(counts, ranking.rows, axis=1)
    tps = every * ranking.positive
    np.cumsum(tps, axis=1, out=tps)
    np.cumsum(every, axis=1, out=every)
    if ranking.ends is not None:
        tps, every = tps[:, ranking.ends], every[:, ranking.ends]
    every -= tps
    return auc_from_cumulative(tps, every)


@dataclass(frozen=True)
class EceRows:
    """What the top-label ECE of a resample needs: gap (n, n_bins), each row's correct (0/1)
    less its top probability, in the column of that probability's bin (zero elsewhere)."""

    gap: FloatArray


def ece_rows(data: MulticlassInput, predicted: IntArray, n_bins: int = ECE_BINS) -> EceRows:
    """The ECE's per-row data of one model with predicted classes predicted (n,); O(n)."""
    n = data.n
    top = data.proba[np.arange(n), predicted]
    # bins (lo, hi], the first [0, hi], as champion.evaluation.calibration
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ece_bin = np.clip(np.searchsorted(edges, top, side="left") - 1, 0, n_bins - 1)
    gap = np.zeros((n, n_bins))
    gap[np.arange(n), ece_bin] = (predicted == data.y).astype(np.float64) - top
    return EceRows(gap)


@dataclass(frozen=True)
class ResampleModel:
    """One model's per-row data for resampling, all (n,) unless said: cell_order, cell_starts
    (the rows grouped by confusion cell true * K + predicted, and where each non-empty cell
    starts), cells (the cell of each group); losses (3, n): log loss, Brier, top-2 hit; ece
    (the top-label ECE's rows); one_vs_rest (K rankings) and one_vs_one ((a, b, ranking of
    A(a|b), ranking of A(b|a)) per pair of classes with rows)."""

    k: int
    cell_order: IntArray
    cell_starts: IntArray
    cells: IntArray
    losses: FloatArray
    ece: EceRows
    one_vs_rest: tuple[Ranked, ...]
    one_vs_one: tuple[tuple[int, int, Ranked, Ranked], ...]


def _pairs(data: MulticlassInput) -> tuple[tuple[int, int, Ranked, Ranked], ...]:
    rows = rows_by_class(data.y, data.k)
    found = []
    for a, b in itertools.combinations(range(data.k), 2):
        if rows[a].size == 0 or rows[b].size == 0:
            continue
        both = np.concatenate((rows[a], rows[b]))
        is_a = np.zeros(both.size, dtype=bool)
        is_a[: rows[a].size] = True
        found.append(
            (
                a,
                b,
                ranked(both, is_a, data.proba[both, a]),
                ranked(both, ~is_a, data.proba[both, b]),
            )
        )
    return tuple(found)


def prepare(data: MulticlassInput, n_bins: int = ECE_BINS) -> ResampleModel:
    """Per-row data of one model (O(K n log n): the sorts of every ranking)."""
    k, n = data.k, data.n
    predicted = predicted_classes(data.proba)
    cell = data.y * k + predicted
    order = np.argsort(cell, kind="stable")
    sizes = np.bincount(cell, minlength=k * k)
    filled = np.flatnonzero(sizes)
    starts = (np.cumsum(sizes) - sizes)[filled]
    p_true = true_class_probability(data)
    loss = -np.log(np.clip(p_true, _EPS, 1.0 - _EPS))
    brier = np.einsum("ij,ij->i", data.proba, data.proba) - 2.0 * p_true + 1.0
    hits = top_k_hits(data, 2).astype(np.float64)
    columns = np.ascontiguousarray(data.proba.T)
    everyone = np.arange(n)
    one_vs_rest = tuple(ranked(everyone, data.y == c, columns[c]) for c in range(k))
    return ResampleModel(
        k,
        order,
        starts,
        filled,
        np.vstack((loss, brier, hits)),
        ece_rows(data, predicted, n_bins),
        one_vs_rest,
        _pairs(data),
    )


def confusion_matrices(model: ResampleModel, counts: FloatArray) -> FloatArray:
    """The confusion matrix of each resample, (b, K, K), for row counts (b, n)."""
    grouped = np.add.reduceat(np.take(counts, model.cell_order, axis=1), model.cell_starts, axis=1)
    matrices = np.zeros((counts.shape[0], model.k * model.k))
    matrices[:, model.cells] = grouped
    return matrices.reshape(-1, model.k, model.k)


def _divide(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def label_values(matrices: FloatArray) -> dict[str, FloatArray]:
    """Every predicted-class metric of confusion matrices (b, K, K), (b,) each, NaN where
    undefined, as :func:`champion.evaluation.multiclass.metrics.label_metrics` (undefined
    per-class values count as 0 in the averages)."""
    support, predicted = matrices.sum(axis=2), matrices.sum(axis=1)
    correct = np.diagonal(matrices, axis1=1, axis2=2)
    total = support.sum(axis=1)
    values = {"accuracy": correct.sum(axis=1) / total}
    rates = {
        "precision": _divide(correct, predicted),
        "recall": _divide(correct, support),
        "f1": _divide(2.0 * correct, support + predicted),
    }
    present = support > 0
    values["balanced_accuracy"] = np.nansum(np.where(present, rates["recall"], 0.0), axis=1) / (
        present.sum(axis=1)
    )
    for name, rate in rates.items():
        filled = np.nan_to_num(rate, nan=0.0)
        values[f"{name}_macro"] = filled.mean(axis=1)
        values[f"{name}_weighted"] = (support * filled).sum(axis=1) / total
    values["f1_micro"] = values["accuracy"].copy()
    hits = correct.sum(axis=1)
    chance = (support * predicted).sum(axis=1)
    values["cohen_kappa"] = _divide(total * hits - chance, total * total - chance)
    spread = (total * total - (predicted * predicted).sum(axis=1)) * (
        total * total - (support * support).sum(axis=1)
    )
    values["mcc"] = _divide(hits * total - chance, np.sqrt(spread))
    return values


def class_f1(matrices: FloatArray) -> FloatArray:
    """Per-class F1 of confusion matrices (b, K, K), (b, K), NaN where undefined."""
    support, predicted = matrices.sum(axis=2), matrices.sum(axis=1)
    return _divide(2.0 * np.diagonal(matrices, axis1=1, axis2=2), support + predicted)


def _ece(rows: EceRows, counts: FloatArray, total: FloatArray) -> FloatArray:
    """Top-label ECE under each resample (b,): sum over bins of |sum of counts * (correct -
    top probability)| / total."""
    return np.asarray(np.abs(counts @ rows.gap).sum(axis=1) / total, dtype=np.float64)


def resampled_metrics(model: ResampleModel, counts: FloatArray) -> dict[str, FloatArray]:
    """Every metric of one model under each resample, (b,) each, for row counts (b, n); also
    "class_f1" and "class_roc_auc", (b, K) each."""
    matrices = confusion_matrices(model, counts)
    values = label_values(matrices)
    total = counts.sum(axis=1)
    losses = counts @ model.losses.T / total[:, None]
    values["log_loss"], values["brier"], values["top_2_accuracy"] = losses.T
    values["ece"] = _ece(model.ece, counts, total)
    auc = np.column_stack([resampled_auc(r, counts) for r in model.one_vs_rest])
    support = matrices.sum(axis=2)
    values["roc_auc_ovr_macro"] = auc.mean(axis=1)
    values["roc_auc_ovr_weighted"] = (np.nan_to_num(auc) * support).sum(axis=1) / total
    values["roc_auc_ovo_macro"] = _hand_till(model, counts)
    values["class_f1"] = class_f1(matrices)
    values["class_roc_auc"] = auc
    return values


def _hand_till(model: ResampleModel, counts: FloatArray) -> FloatArray:
    """Hand & Till's M under each resample (b,), over the pairs of classes with rows in it."""
    if not model.one_vs_one:
        return np.full(counts.shape[0], np.nan)
    pairs = np.column_stack(
        [
            (resampled_auc(ab, counts) + resampled_auc(ba, counts)) / 2.0
            for _, _, ab, ba in model.one_vs_one
        ]
    )
    # a pair whose class drew no rows in a resample is left out, as for an absent class
    defined = ~np.isnan(pairs)
    with np.errstate(invalid="ignore"):
        mean = np.where(defined, pairs, 0.0).sum(axis=1) / defined.sum(axis=1)
    return np.asarray(mean, dtype=np.float64)


def bootstrap(
    models: list[ResampleModel],
    n: int,
    weight: FloatArray | None,
    n_boot: int,
    random_state: int | None,
) -> list[dict[str, FloatArray]]:
    """Resampled values of every metric for each model on shared resamples, (n_boot,) each
    ((n_boot, K) for the per-class ones)."""
    parts: list[dict[str, list[FloatArray]]] = [{} for _ in models]
    for counts in resample_chunks(n, n_boot, random_state, weight):  # type: ignore[arg-type]
        for part, model in zip(parts, models, strict=True):
            for name, values in resampled_metrics(model, counts).items():
                part.setdefault(name, []).append(values)
    return [{name: np.concatenate(chunks) for name, chunks in part.items()} for part in parts]


def ece_bootstrap(
    models: list[EceRows], n: int, n_boot: int, random_state: int | None
) -> list[dict[str, FloatArray]]:
    """The top-label ECE alone under shared resamples of unweighted rows, {"ece": (n_boot,)}
    for each model: what analytic comparisons resample (the ECE has no delta method)."""
    parts: list[list[FloatArray]] = [[] for _ in models]
    for counts in resample_chunks(n, n_boot, random_state, None):  # type: ignore[arg-type]
        total = counts.sum(axis=1)
        for part, model in zip(parts, models, strict=True):
            part.append(_ece(model, counts, total))
    return [{"ece": np.concatenate(part)} for part in parts]
