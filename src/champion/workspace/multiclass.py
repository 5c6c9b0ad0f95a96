"""The composer's multiclass comparison: versions of a classifier of three or more classes,
scored once on a multiclass test set (their class probabilities, each in its own class order),
lined up on the union of their classes and the test set's labels, and compared with paired
tests (see ``champion.evaluation.multiclass``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from champion.data import EvalDataset
from champion.errors import DataError
from champion.evaluation.agreement import Agreement
from champion.evaluation.multiclass import (
    AlignedClasses,
    CoverageCurve,
    DecisionTable,
    MulticlassComparison,
    align_classes,
    class_curves,
    compare_multiclass,
    coverage_curve,
    decision_table,
)
from champion.workspace.analyses import MAX_ROWS, Analyses, Disagreements
from champion.workspace.keys import Statistics
from champion.workspace.results import content_key
from champion.workspace.scores import ScoredModel

#: a comparison, and the notes of lining the versions' classes up with the test set's labels
MulticlassResult = tuple[MulticlassComparison, tuple[str, ...]]


def multiclass_digest(
    scored: Mapping[str, ScoredModel], baseline: str, dataset: EvalDataset, stats: Statistics
) -> str:
    """The key of a multiclass comparison: the models' names and scores, the baseline, the test
    set and the statistics (no threshold: the predicted class is the argmax)."""
    return content_key(
        "multiclass",
        [(name, s.digest) for name, s in scored.items()],
        baseline,
        dataset.fingerprint,
        *stats.parts()[1:],
    )


def stored_comparison(
    analyses: Analyses,
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    stats: Statistics,
) -> MulticlassResult | None:
    """The comparison of ``compare_scored`` if a process of this host has computed it, else
    None (never computes)."""
    found: MulticlassResult | None = analyses.stored(
        "multiclass", multiclass_digest(scored, baseline, dataset, stats)
    )
    return found


def cached_comparison(
    analyses: Analyses,
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    stats: Statistics,
) -> MulticlassResult:
    """``compare_scored``, computed once per host and kept in the results store (every worker
    and the command line read it); the key names the models, so a comparison is stored under
    the names it was asked with."""
    digest = multiclass_digest(scored, baseline, dataset, stats)
    subjects = tuple(s.key.uri for s in scored.values())  # what a page's activity line names
    found: MulticlassResult = analyses.once(
        "multiclass",
        digest,
        lambda: compare_scored(scored, baseline, dataset, stats),
        subjects=subjects,
        dataset=dataset.fingerprint,
        total=dataset.n,
    )
    return found


def aligned_classes(scored: Mapping[str, ScoredModel], dataset: EvalDataset) -> AlignedClasses:
    """The models' class probabilities (name -> (n, K_v)) lined up on the union of their classes
    and dataset's labels. DataError for a test set of two classes, or a model without classes."""
    if dataset.classes is None:
        raise DataError("the test set's target has two classes: compare the models as binary.")
    versions = {}
    for name, s in scored.items():
        if s.classes is None or s.values.ndim != 2:
            raise DataError(f"{name} has no class probabilities on this multiclass test set.")
        versions[name] = (s.values, s.classes)
    return align_classes(list(dataset.labels), versions)


def compare_scored(
    scored: Mapping[str, ScoredModel], baseline: str, dataset: EvalDataset, stats: Statistics
) -> MulticlassResult:
    """The models of scored (name -> class probabilities (n, K_v)) compared with the one named
    baseline on dataset's labels. A model that predicts labels only (one-hot rows) gets the
    metrics of its predicted class; its ranking and probability metrics are None with a note
    (one-hot rows are not probabilities: log loss and the AUCs would judge them as if it were
    certain). DataError for a test set of two classes, or a model without classes."""
    aligned = aligned_classes(scored, dataset)
    ordered = {baseline: aligned.probabilities[baseline], **aligned.probabilities}
    result = compare_multiclass(
        dataset.labels,
        ordered,
        list(aligned.classes),
        baseline=baseline,
        confidence=stats.confidence,
        n_boot=stats.n_boot,
        random_state=stats.seed,
        ci=stats.ci,
        labels_only=[name for name, s in scored.items() if s.labels_only],
    )
    notes = tuple(f"{name}: {s.note}" for name, s in scored.items() if s.note)
    return result, aligned.notes + notes


#: one model's one-vs-rest curves: class label (text) -> {"roc": curve, "pr": curve} (JSON-ready)
ClassCurves = dict[str, dict[str, object]]


def _curves_digest(scored: ScoredModel, dataset: EvalDataset) -> str:
    return content_key("class-curves", scored.digest, dataset.fingerprint)


def stored_curves(
    analyses: Analyses, scored: ScoredModel, dataset: EvalDataset
) -> ClassCurves | None:
    """The curves of ``curves_of`` if stored (a labels-only model's: none), else None."""
    if scored.labels_only or scored.classes is None:
        return {}
    found: ClassCurves | None = analyses.stored("class-curves", _curves_digest(scored, dataset))
    return found


def curves_of(analyses: Analyses, scored: ScoredModel, dataset: EvalDataset) -> ClassCurves:
    """One model's one-vs-rest ROC and PR curves of every class in its own classes (see
    ``class_curves``), computed once per host; a labels-only model has none."""
    if scored.labels_only or scored.classes is None:
        return {}
    model = scored

    def compute() -> ClassCurves:
        return class_curves(list(dataset.labels), model.values, list(model.classes or ()))

    found: ClassCurves = analyses.once("class-curves", _curves_digest(scored, dataset), compute)
    return found


#: the decision page's content: top-k accuracy for every k, and each model's accuracy-coverage
Decision = tuple[DecisionTable, dict[str, CoverageCurve]]


def _decision_digest(
    scored: Mapping[str, ScoredModel], baseline: str, dataset: EvalDataset, stats: Statistics
) -> str:
    return content_key(
        "decision",
        [(name, s.digest) for name, s in scored.items()],
        baseline,
        dataset.fingerprint,
        float(stats.confidence),
    )


def stored_decision(
    analyses: Analyses,
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    stats: Statistics,
) -> Decision | None:
    """The result of ``decision_of`` if stored, else None (never computes)."""
    found: Decision | None = analyses.stored(
        "decision", _decision_digest(scored, baseline, dataset, stats)
    )
    return found


def decision_of(
    analyses: Analyses,
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    stats: Statistics,
) -> Decision:
    """Top-k accuracy of every model (name -> scores) for k = 1 .. K - 1 with paired
    differences to baseline, and each model's accuracy-coverage curve (labels-only models
    have no confidence to keep rows by: left out of the curves), computed once per host."""

    def compute() -> Decision:
        aligned = aligned_classes(scored, dataset)
        classes = list(aligned.classes)
        table = decision_table(
            dataset.labels,
            aligned.probabilities,
            classes,
            baseline=baseline,
            confidence=stats.confidence,
        )
        curves = {
            name: coverage_curve(dataset.labels, p, classes)
            for name, p in aligned.probabilities.items()
            if not scored[name].labels_only
        }
        return table, curves

    digest = _decision_digest(scored, baseline, dataset, stats)
    found: Decision = analyses.once("decision", digest, compute)
    return found


def class_disagreements(
    base: tuple[str, ScoredModel],
    challenger: tuple[str, ScoredModel],
    dataset: EvalDataset,
    every: bool = False,
) -> Disagreements:
    """Where two multiclass models (label, scores) predict different classes (the argmax of
    each): the agreement table of their correctness and the rows, the first MAX_ROWS (every
    one: for a download) by how much the two differ on the true class's probability, with
    each model's predicted class ("class <label>") and its probability ("score <label>")."""
    (base_label, b), (challenger_label, c) = base, challenger
    aligned = aligned_classes({base_label: b, challenger_label: c}, dataset)
    classes = np.asarray(aligned.classes, dtype=object)
    index_of = {label: i for i, label in enumerate(aligned.classes)}
    truth = np.fromiter((index_of[v] for v in dataset.labels), dtype=np.intp, count=dataset.n)
    p_base, p_chal = aligned.probabilities[base_label], aligned.probabilities[challenger_label]
    pred_base, pred_chal = p_base.argmax(axis=1), p_chal.argmax(axis=1)
    agreement = Agreement.of(pred_base == truth, pred_chal == truth)
    index = np.flatnonzero(pred_base != pred_chal)
    gap = np.abs(p_chal[index, truth[index]] - p_base[index, truth[index]])
    # a stable sort keeps row order among equal gaps, so the table is reproducible
    shown = index[np.argsort(-gap, kind="stable")[: None if every else MAX_ROWS]]
    rows = dataset.frame.iloc[shown].copy()
    rows.insert(0, "row", shown)
    rows[dataset.target] = dataset.labels[shown]
    for label, pred, p in ((base_label, pred_base, p_base), (challenger_label, pred_chal, p_chal)):
        rows[f"class {label}"] = classes[pred[shown]]
        rows[f"score {label}"] = p[shown, pred[shown]]
    return Disagreements(
        base_label, challenger_label, None, agreement, rows.reset_index(drop=True), int(index.size)
    )
