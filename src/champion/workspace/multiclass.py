"""The composer's multiclass comparison: versions of a classifier of three or more classes,
scored once on a multiclass test set (their class probabilities, each in its own class order),
lined up on the union of their classes and the test set's labels, and compared with paired
tests (see ``champion.evaluation.multiclass``)."""

from __future__ import annotations

from collections.abc import Mapping

from champion.data import EvalDataset
from champion.errors import DataError
from champion.evaluation.multiclass import MulticlassComparison, align_classes, compare_multiclass
from champion.workspace.keys import Statistics
from champion.workspace.scores import ScoredModel

#: a comparison, and the notes of lining the versions' classes up with the test set's labels
MulticlassResult = tuple[MulticlassComparison, tuple[str, ...]]


def compare_scored(
    scored: Mapping[str, ScoredModel], baseline: str, dataset: EvalDataset, stats: Statistics
) -> MulticlassResult:
    """The models of scored (name -> class probabilities (n, K_v)) compared with the one named
    baseline on dataset's labels. A model that predicts labels only (one-hot rows) gets the
    metrics of its predicted class; its ranking and probability metrics are None with a note
    (one-hot rows are not probabilities: log loss and the AUCs would judge them as if it were
    certain). DataError for a test set of two classes, or a model without classes."""
    if dataset.classes is None:
        raise DataError("the test set's target has two classes: compare the models as binary.")
    versions = {}
    for name, s in scored.items():
        if s.classes is None or s.values.ndim != 2:
            raise DataError(f"{name} has no class probabilities on this multiclass test set.")
        versions[name] = (s.values, s.classes)
    aligned = align_classes(list(dataset.labels), versions)
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
