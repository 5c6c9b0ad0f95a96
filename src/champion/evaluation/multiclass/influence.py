"""Per-row influence values of every multiclass metric (the delta method), unweighted rows.

As in :mod:`champion.evaluation.influence`: a statistic T that is a smooth function of means
over the rows has T - T_true ~ (1/n) sum_i psi_i, so its standard error is sqrt(sum psi^2) / n
and a paired difference of two models on the same rows has the influence psi_c - psi_b.

* Predicted-class metrics (precision, recall, F1 per class and their averages, balanced
  accuracy, kappa, MCC) are functions of the K x K confusion proportions, so a row's influence
  depends only on its cell (true class, predicted class): a (K, K) table per metric, gathered
  once per row. O(K^3 + n).
* One-vs-rest AUC of class c: DeLong's placements (a row of c: the share of other rows it
  outscores; another row: the share of c's rows outscoring it). A row's influence is its
  placement less the AUC, scaled so that sum psi^2 / n^2 is DeLong's variance with its
  (P - 1), (N - 1) denominators. Averages take the average of the classes' influences, so the
  covariance of classes sharing rows is counted (every row is a positive once and a negative
  K - 1 times).
* One-vs-one (Hand & Till): the same placements within each pair of classes, averaged over
  the pairs; O(K n log n), as computing the metric itself. Both come from one sort per column
  (:func:`~.ranking.column_ranking`), shared with the report's ranking numbers.
* Log loss, Brier, top-2 accuracy: the row's own loss (or hit) less the mean.

Sample weights change the sampling design these formulas assume: weighted rows resample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from champion.evaluation.inputs import BoolArray, FloatArray
from champion.evaluation.multiclass.confusion import predicted_classes
from champion.evaluation.multiclass.inputs import MulticlassInput
from champion.evaluation.multiclass.probability import (
    _EPS,
    top_k_hits,
    true_class_probability,
)
from champion.evaluation.multiclass.ranking import RankingInfluences, column_ranking

# (K, K, K) tables: axis 0 the true class, 1 the predicted class, 2 the class c of a rate
Table = FloatArray


@dataclass(frozen=True)
class MulticlassInfluences:
    """Influence values of one model: values[name] and psi[name] (n,) for every metric but the
    ECE; class_f1 / class_auc (K,) with their influences (K, n), row c for class c; correct
    (n,) bool, whether each row's predicted class is its true class (for McNemar)."""

    values: dict[str, float]
    psi: dict[str, FloatArray]
    class_f1: FloatArray
    class_f1_psi: FloatArray
    class_auc: FloatArray
    class_auc_psi: FloatArray
    correct: BoolArray


def _rate_of(num: Table, den: Table, shares: FloatArray) -> tuple[FloatArray, Table]:
    """Per-class rate mean(num) / mean(den) (K,) from (K, K, K) cell tables weighted by the
    cell shares (K, K), and its influence table; an undefined rate is NaN with influence 0 (it
    is held at 0 in the averages, whatever the rows)."""
    top = np.einsum("ab,abc->c", shares, num)
    bottom = np.einsum("ab,abc->c", shares, den)
    value = np.full(top.shape, np.nan)
    np.divide(top, bottom, out=value, where=bottom > 0)
    psi = np.zeros(num.shape)
    defined = bottom > 0
    psi[..., defined] = (num[..., defined] - value[defined] * den[..., defined]) / bottom[defined]
    return value, psi


def _cells(k: int) -> tuple[Table, Table, Table]:
    """Indicators of a row of cell (a, b) for class c: true (a == c), predicted (b == c) and
    correct (a == b == c); (K, K, K) each."""
    eye = np.eye(k)
    true = np.broadcast_to(eye[:, None, :], (k, k, k))
    pred = np.broadcast_to(eye[None, :, :], (k, k, k))
    return np.array(true), np.array(pred), true * pred


def _weighted_average(
    rate: FloatArray, psi: Table, true: Table, support: FloatArray
) -> tuple[float, FloatArray]:
    """sum_c s_c r_c (undefined r_c as 0) and its (K, K) influence: the support shares s_c
    are means of the rows too."""
    filled = np.nan_to_num(rate, nan=0.0)
    value = float(support @ filled)
    table = (true - support) @ filled + psi @ support
    return value, table


def label_tables(shares: FloatArray) -> tuple[dict[str, float], dict[str, FloatArray], Table]:
    """Values and (K, K) influence tables (true, predicted) of the predicted-class metrics from
    the confusion proportions ``shares`` (K, K); also the per-class F1 influence (K, K, K)."""
    k = shares.shape[0]
    true, pred, correct = _cells(k)
    support, predicted = shares.sum(axis=1), shares.sum(axis=0)
    values: dict[str, float] = {}
    tables: dict[str, FloatArray] = {}
    accuracy = float(np.trace(shares))
    hit = np.eye(k) - accuracy
    values["accuracy"] = values["f1_micro"] = values["recall_weighted"] = accuracy
    tables["accuracy"] = tables["f1_micro"] = tables["recall_weighted"] = hit
    rates = {
        "precision": _rate_of(correct, pred, shares),
        "recall": _rate_of(correct, true, shares),
        "f1": _rate_of(2.0 * correct, true + pred, shares),
    }
    for name, (rate, psi) in rates.items():
        values[f"{name}_macro"] = float(np.mean(np.nan_to_num(rate, nan=0.0)))
        tables[f"{name}_macro"] = psi.mean(axis=2)
        if name != "recall":  # recall_weighted is the accuracy
            weighted = _weighted_average(rate, psi, true, support)
            values[f"{name}_weighted"], tables[f"{name}_weighted"] = weighted
    present = support > 0
    recall, recall_psi = rates["recall"]
    values["balanced_accuracy"] = float(np.mean(recall[present]))
    tables["balanced_accuracy"] = recall_psi[..., present].mean(axis=2)
    agreement = _chance_corrected(accuracy, hit, support, predicted)
    values.update(agreement[0])
    tables.update(agreement[1])
    return values, tables, rates["f1"][1]


def _chance_corrected(
    accuracy: float, hit: FloatArray, support: FloatArray, predicted: FloatArray
) -> tuple[dict[str, float], dict[str, FloatArray]]:
    """Cohen's kappa and Gorodkin's MCC with their (K, K) influence tables, from the accuracy,
    its table ``hit`` and the true / predicted class shares (K,)."""
    chance = float(support @ predicted)
    # a row of cell (a, b) moves the chance agreement sum_c s_c q_c by q_a + s_b - 2 chance
    chance_psi = predicted[:, None] + support[None, :] - 2.0 * chance
    values = {"cohen_kappa": math.nan, "mcc": math.nan}
    tables = {name: np.full(hit.shape, np.nan) for name in values}
    if chance < 1.0:
        values["cohen_kappa"] = (accuracy - chance) / (1.0 - chance)
        tables["cohen_kappa"] = (
            hit / (1.0 - chance) + chance_psi * (accuracy - 1.0) / (1.0 - chance) ** 2
        )
    spread_true = 1.0 - float(support @ support)
    spread_pred = 1.0 - float(predicted @ predicted)
    if spread_true > 0 and spread_pred > 0:
        root = math.sqrt(spread_true * spread_pred)
        mcc = (accuracy - chance) / root
        # d spread / d row: -2 (share of the row's class - sum of squared shares)
        true_psi = -2.0 * (support[:, None] - (1.0 - spread_true))
        pred_psi = -2.0 * (predicted[None, :] - (1.0 - spread_pred))
        values["mcc"] = mcc
        tables["mcc"] = (hit - chance_psi) / root - 0.5 * mcc * (
            true_psi / spread_true + pred_psi / spread_pred
        )
    return values, tables


def _ranking(
    data: MulticlassInput,
    values: dict[str, float],
    psi: dict[str, FloatArray],
    ranked: RankingInfluences,
) -> tuple[FloatArray, FloatArray]:
    """Adds the one-vs-rest averages and Hand & Till's M to values and psi; returns the
    per-class one-vs-rest AUC (K,) and its influences (K, n)."""
    auc, auc_psi = ranked.ovr_auc, ranked.ovr_psi
    support = np.bincount(data.y, minlength=data.k) / data.n
    present = support > 0
    values["roc_auc_ovr_macro"] = float(np.mean(auc))
    psi["roc_auc_ovr_macro"] = auc_psi.mean(axis=0)
    # sum_c s_c A_c over present classes: the shares s_c move with the rows too, a row adding
    # A of its own class less the average
    weighted = float(support[present] @ auc[present])
    values["roc_auc_ovr_weighted"] = weighted
    psi["roc_auc_ovr_weighted"] = auc[data.y] - weighted + support[present] @ auc_psi[present]
    values["roc_auc_ovo_macro"], psi["roc_auc_ovo_macro"] = ranked.ovo_macro, ranked.ovo_psi
    return auc, auc_psi


def multiclass_influences(
    data: MulticlassInput, ranked: RankingInfluences | None = None
) -> MulticlassInfluences:
    """Influence values of every metric but the ECE of one model's unweighted rows; ranked:
    the placements' influences when already found (:func:`~.ranking.column_ranking`)."""
    if ranked is None:
        ranked = column_ranking(data, influences=True)[1]
        assert ranked is not None
    k, n = data.k, data.n
    predicted = predicted_classes(data.proba)
    cell = data.y * k + predicted
    shares = np.bincount(cell, minlength=k * k).reshape(k, k) / n
    values, tables, f1_table = label_tables(shares)
    psi = {name: table.ravel()[cell] for name, table in tables.items()}
    loss = -np.log(np.clip(true_class_probability(data), _EPS, 1.0 - _EPS))
    squares = np.einsum("ij,ij->i", data.proba, data.proba) - 2.0 * true_class_probability(data)
    squares += 1.0
    hits = top_k_hits(data, 2).astype(np.float64)
    for name, row_values in (("log_loss", loss), ("brier", squares), ("top_2_accuracy", hits)):
        values[name] = float(row_values.mean())
        psi[name] = row_values - values[name]
    class_auc, class_auc_psi = _ranking(data, values, psi, ranked)
    f1_psi = np.ascontiguousarray(f1_table.reshape(k * k, k)[cell].T)
    correct = np.asarray(data.y == predicted, dtype=bool)
    return MulticlassInfluences(
        values, psi, rates_f1(shares), f1_psi, class_auc, class_auc_psi, correct
    )


def rates_f1(shares: FloatArray) -> FloatArray:
    """Per-class F1 (K,) from the confusion proportions (K, K), NaN where undefined."""
    den = shares.sum(axis=0) + shares.sum(axis=1)
    f1 = np.full(den.shape, np.nan)
    np.divide(2.0 * np.diagonal(shares), den, out=f1, where=den > 0)
    return f1
