"""One-vs-rest and one-vs-one ranking: ROC AUC and average precision per class, Hand & Till.

Every number comes from the binary counting kernel
(:func:`champion.evaluation.counts.count_by_threshold`) and the binary engine's own curve
functions, so a multiclass AUC is exactly a binary one:

* one-vs-rest, class c: the kernel of (y == c, column c); its ROC AUC and average precision are
  scikit-learn's ``roc_auc_score`` / ``average_precision_score`` of that binary problem, with
  the sample weights. NaN when undefined: ROC AUC needs rows in and out of the class; average
  precision needs rows of the class (scikit-learn returns 0.0 there, with a warning).
* ``roc_auc_ovr_macro``: the mean of the K one-vs-rest AUCs, NaN when one is (a class absent
  from y_true), as ``roc_auc_score(multi_class="ovr", average="macro", labels=classes)``.
* ``roc_auc_ovr_weighted``: their mean weighted by each class's support; a class absent from
  y_true weighs 0 and is left out, as scikit-learn's ``average="weighted"``.
* ``roc_auc_ovo_macro``: Hand & Till's (2001) M, ``roc_auc_score(multi_class="ovo",
  average="macro")``: over every pair (a, b) of classes present in y_true, the mean of A(a|b)
  (column a separating the rows of a from those of b) and A(b|a); then the mean over pairs.
  Classes absent from y_true are left out, as scikit-learn does. scikit-learn refuses sample
  weights here; champion weighs each pair's rows, so each A(a|b) is the weighted binary AUC of
  those rows (a class present only with zero weight counts as absent).

Complexity: one-vs-rest sorts n scores K times, O(K n log n); one-vs-one sorts each row's scores
2 (K - 1) times within pairs, O(K n log n) as well. Without sample weights each column is
sorted once (:func:`column_ranking`): its order gives the one-vs-rest kernel, every one-vs-one
kernel of that column (the pair's rows picked out in that order) and, when asked for, DeLong's
placements of each row, so the report and the influence values share K sorts.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.evaluation.counts import BinaryCounts, count_by_threshold
from champion.evaluation.curves import pr_curve, roc_curve
from champion.evaluation.delong import row_placements
from champion.evaluation.inputs import BoolArray, FloatArray
from champion.evaluation.metrics import dot
from champion.evaluation.multiclass.inputs import IntArray, MulticlassInput


@dataclass(frozen=True)
class Ranking:
    """One-vs-rest AUC and average precision per class (K,), the one-vs-one AUCs (K, K)
    (pairwise[a, b] = A(a|b), NaN on the diagonal and for classes absent from y_true), and the
    three averages (NaN when undefined)."""

    roc_auc: FloatArray
    average_precision: FloatArray
    pairwise: FloatArray
    ovr_macro: float
    ovr_weighted: float
    ovo_macro: float


def counts_of(y: BoolArray, score: FloatArray, weight: FloatArray | None) -> BinaryCounts:
    """The binary kernel of labels (m,), scores (m,) and weights (m,) or None.

    Weighted rows are handed over in increasing score order (numpy's default argsort, several
    times faster than the kernel's stable one): the kernel's stable sort then meets a single run.
    The counts are the same (ties are summed in another order, which moves the last bit at most).
    """
    if weight is not None:
        order = np.argsort(score)
        y, score, weight = y[order], score[order], weight[order]
    return count_by_threshold(y, score, weight)


def _auc_and_ap(counts: BinaryCounts) -> tuple[float, float]:
    """ROC AUC and average precision of a binary kernel, NaN where undefined."""
    if counts.positives <= 0:
        return float("nan"), float("nan")
    roc = roc_curve(counts)
    ap = pr_curve(counts, roc).average_precision()
    return (roc.auc() if counts.negatives > 0 else float("nan")), ap


def one_vs_rest(data: MulticlassInput) -> tuple[FloatArray, FloatArray]:
    """ROC AUC and average precision of each class against the rest, (K,) each."""
    auc, ap = np.full(data.k, np.nan), np.full(data.k, np.nan)
    # a contiguous copy of each column: the kernel sorts it, and strided reads are slow
    columns = np.ascontiguousarray(data.proba.T)
    for c in range(data.k):
        counts = counts_of(data.y == c, columns[c], data.weight)
        auc[c], ap[c] = _auc_and_ap(counts)
    return auc, ap


def rows_by_class(y: IntArray, k: int) -> list[IntArray]:
    """The row positions of each class, in row order (K arrays)."""
    order = np.argsort(y, kind="stable")
    ends = np.cumsum(np.bincount(y, minlength=k))
    starts = np.concatenate(([0], ends[:-1]))
    return [order[start:end] for start, end in zip(starts, ends, strict=True)]


def pairwise_auc(data: MulticlassInput, present: BoolArray) -> FloatArray:
    """A(a|b) for every ordered pair of present classes, (K, K), NaN elsewhere."""
    k = data.k
    pairs = np.full((k, k), np.nan)
    rows = rows_by_class(data.y, k)
    for a, b in itertools.combinations(np.flatnonzero(present), 2):
        both = np.concatenate((rows[a], rows[b]))
        is_a = np.zeros(both.size, dtype=bool)
        is_a[: rows[a].size] = True
        weight = None if data.weight is None else data.weight[both]
        pairs[a, b] = _auc_and_ap(counts_of(is_a, data.proba[both, a], weight))[0]
        pairs[b, a] = _auc_and_ap(counts_of(~is_a, data.proba[both, b], weight))[0]
    return pairs


def hand_till(pairs: FloatArray, present: BoolArray) -> float:
    """Mean over pairs of present classes of (A(a|b) + A(b|a)) / 2; NaN with fewer than two."""
    index = np.flatnonzero(present)
    if index.size < 2:
        return float("nan")
    a, b = np.triu_indices(index.size, 1)
    return float(np.mean((pairs[index[a], index[b]] + pairs[index[b], index[a]]) / 2.0))


@dataclass(frozen=True)
class RankingInfluences:
    """DeLong's placements as influence values: one-vs-rest AUC per class (K,) (the mean
    placement) and each row's influence (K, n); Hand & Till's M and its influences (n,)."""

    ovr_auc: FloatArray
    ovr_psi: FloatArray
    ovo_macro: float
    ovo_psi: FloatArray


def sorted_counts(
    score: FloatArray, positive: BoolArray
) -> tuple[BinaryCounts, npt.NDArray[np.intp]]:
    """The binary kernel of unweighted rows given in increasing score order (m >= 1), as
    count_by_threshold builds it, and each row's group (index among the distinct scores,
    highest first; BinaryCounts.group_of) in that order."""
    m = score.size
    starts_run = np.empty(m, dtype=bool)
    starts_run[0] = True
    np.not_equal(score[1:], score[:-1], out=starts_run[1:])
    run = np.cumsum(starts_run) - 1
    starts = np.flatnonzero(starts_run)
    d = starts.size
    # positives scoring >= the run's score: all of them less those before the run starts
    before = np.empty(m + 1, dtype=np.intp)
    before[0] = 0
    np.cumsum(positive, out=before[1:])
    tps = np.empty(d + 1)
    tps[0] = 0.0
    tps[1:] = (before[m] - before[starts])[::-1]
    fps = np.empty(d + 1)
    fps[0] = 0.0
    fps[1:] = (m - starts)[::-1]
    fps[1:] -= tps[1:]
    thresholds = np.empty(d + 1)
    thresholds[0] = np.inf
    thresholds[1:] = score[starts][::-1]
    return BinaryCounts(thresholds, tps, fps), d - 1 - run


def _placement_psi(
    counts: BinaryCounts, positive: BoolArray, group: npt.NDArray[np.intp], n: int
) -> tuple[float, FloatArray]:
    """AUC (mean placement of the positives) and each row's influence (m,), scaled to n rows
    in all so that sum psi^2 / n^2 is DeLong's variance; NaN with fewer than two rows on a
    side."""
    p = int(counts.positives)
    q = positive.size - p
    if p < 2 or q < 2:
        return math.nan, np.full(positive.size, np.nan)
    v10, v01 = row_placements(counts, positive, np.empty(0), group)
    auc = float(v10.mean())
    psi = np.empty(positive.size)
    psi[positive] = (v10 - auc) * (n / math.sqrt(p * (p - 1)))
    psi[~positive] = (v01 - auc) * (n / math.sqrt(q * (q - 1)))
    return auc, psi


def column_ranking(
    data: MulticlassInput, influences: bool = False
) -> tuple[Ranking, RankingInfluences | None]:
    """The ranking of unweighted rows from one sort per column, and (influences True) the
    DeLong influence values of the one-vs-rest AUCs and of Hand & Till's M."""
    k, n = data.k, data.n
    auc, ap = np.full(k, np.nan), np.full(k, np.nan)
    pairs = np.full((k, k), np.nan)
    present = data.support > 0
    ovr_auc, ovr_psi = np.full(k, np.nan), np.full((k, n), np.nan)
    ovo_psi = np.zeros(n)
    placed = np.full((k, k), np.nan)  # A(a|b) as the mean placement, for the influences
    columns = np.ascontiguousarray(data.proba.T)
    for c in range(k):
        order = np.argsort(columns[c])
        score = columns[c][order]
        classes = data.y[order]
        mine = classes == c
        counts, group = sorted_counts(score, mine)
        auc[c], ap[c] = _auc_and_ap(counts)
        if influences:
            ovr_auc[c], ovr_psi[c, order] = _placement_psi(counts, mine, group, n)
        if not present[c]:
            continue
        accumulated = np.zeros(n)
        for other in np.flatnonzero(present):
            if other == c:
                continue
            rows = np.flatnonzero(mine | (classes == other))
            counts, group = sorted_counts(score[rows], mine[rows])
            pairs[c, other] = _auc_and_ap(counts)[0]
            if influences:
                placed[c, other], psi = _placement_psi(counts, mine[rows], group, n)
                accumulated[rows] += psi
        if influences:
            ovo_psi[order] += accumulated
    rank = _ranking_of(data, auc, ap, pairs)
    if not influences:
        return rank, None
    count = int(np.count_nonzero(present))
    if count < 2:
        return rank, RankingInfluences(ovr_auc, ovr_psi, math.nan, np.full(n, np.nan))
    # each pair's (A(a|b) + A(b|a)) / 2, averaged over the pairs of present classes
    index = np.flatnonzero(present)
    a, b = np.triu_indices(index.size, 1)
    ovo = float(np.mean((placed[index[a], index[b]] + placed[index[b], index[a]]) / 2.0))
    return rank, RankingInfluences(ovr_auc, ovr_psi, ovo, ovo_psi / (a.size * 2.0))


def ranking(data: MulticlassInput) -> Ranking:
    """Every one-vs-rest and one-vs-one ranking number of the problem."""
    if data.weight is None:
        return column_ranking(data)[0]
    support = data.support
    present = support > 0
    auc, ap = one_vs_rest(data)
    pairs = pairwise_auc(data, present)
    return _ranking_of(data, auc, ap, pairs)


def _ranking_of(
    data: MulticlassInput, auc: FloatArray, ap: FloatArray, pairs: FloatArray
) -> Ranking:
    support = data.support
    present = support > 0
    # as scikit-learn: a class of zero support weighs 0 and its NaN AUC is set aside
    weighted = dot(support[present], auc[present]) / float(support.sum())
    return Ranking(
        roc_auc=auc,
        average_precision=ap,
        pairwise=pairs,
        ovr_macro=float(np.mean(auc)),
        ovr_weighted=weighted,
        ovo_macro=hand_till(pairs, present),
    )


def ranking_notes(
    rank: Ranking, support: FloatArray, labels: list[str], weighted: bool
) -> dict[str, str]:
    """Why an average is undefined, or which classes it leaves out; labels (K,) as shown."""
    absent = support == 0
    left_out = ", ".join(label for label, gone in zip(labels, absent, strict=True) if gone)
    single = np.count_nonzero(~absent) == 1
    notes: dict[str, str] = {}
    if single:
        why = "undefined: y_true holds a single class, so no class can be told from the rest"
        notes["roc_auc_ovr_macro"] = notes["roc_auc_ovr_weighted"] = why
        notes["roc_auc_ovo_macro"] = "undefined: one-vs-one needs two classes in y_true"
    elif absent.any():
        notes["roc_auc_ovr_macro"] = (
            f"undefined: classes absent from y_true ({left_out}) have no one-vs-rest AUC (NaN in "
            "scikit-learn too); roc_auc_ovr_weighted and roc_auc_ovo_macro leave them out"
        )
        notes["roc_auc_ovr_weighted"] = (
            f"classes absent from y_true ({left_out}) weigh 0 and are left out, as in scikit-learn"
        )
        notes["roc_auc_ovo_macro"] = (
            f"over the pairs of classes present in y_true; {left_out} left out (absent), as in "
            "scikit-learn"
        )
    if weighted and not np.isnan(rank.ovo_macro):
        extra = notes.get("roc_auc_ovo_macro", "")
        notes["roc_auc_ovo_macro"] = (extra + "; " if extra else "") + (
            "scikit-learn refuses sample weights here: each pair's AUC is the weighted binary AUC "
            "of the pair's rows"
        )
    return notes
