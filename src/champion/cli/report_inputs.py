"""What ``champion report`` records, gathered as ``champion compare`` gathers it: registered
models scored on --data, or the score columns of --predictions (one column per model for two
classes, a pattern of class columns for more), with the record's own additions (registry facts,
the worst slice, multiclass curves and agreements)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from champion.cli.compare_cmd import in_context, parse_scores, scored_dict
from champion.cli.multiclass_cmd import _class_columns, class_patterns
from champion.cli.progress import scoring_progress
from champion.errors import DataError
from champion.options import DataOptions, ScoringOptions

if TYPE_CHECKING:
    from champion.data import EvalDataset
    from champion.evaluation import Comparison
    from champion.evaluation.multiclass import MulticlassComparison
    from champion.reports import DecisionRecord
    from champion.reports.record import DatasetInfo
    from champion.workspace import ScoredModel, Statistics, Workspace


def ui_address(mlflow_ui: str | None, tracking_uri: str | None) -> str | None:
    """Where the MLflow UI is: --mlflow-ui, else the tracking URI when it is a server (the
    dashboard's rule)."""
    chosen = mlflow_ui or (
        tracking_uri if (tracking_uri or "").startswith(("http://", "https://")) else None
    )
    return chosen.rstrip("/") if chosen else None


@dataclass(frozen=True)
class Slicing:
    """--slice columns, --slice-metric (None: the default for the test set's kind), --bins."""

    columns: tuple[str, ...]
    metric: str | None
    bins: int
    rules: tuple[str, ...] = ()

    def metric_for(self, multiclass: bool) -> str:
        from champion.reports.collect import slice_metric

        return self.metric or slice_metric(self.rules, multiclass)


@dataclass
class Gathered:
    """A comparison, its test set's summary and the record's other fields (``new_record``'s
    keywords)."""

    comparison: Comparison | MulticlassComparison
    dataset: DatasetInfo
    fields: dict[str, Any] = field(default_factory=dict)


def _check_baseline(baseline: str | None, names: list[str]) -> str:
    chosen = names[0] if baseline is None else baseline
    if chosen not in names:
        raise DataError(
            f"--baseline {chosen!r} is not one of the models given with --score: "
            f"{', '.join(names)}."
        )
    return chosen


def from_predictions(
    path: str,
    score_options: tuple[str, ...],
    baseline: str | None,
    data: DataOptions,
    stats: Statistics,
    slicing: Slicing,
) -> Gathered:
    """The comparison of a predictions table's score columns (as ``compare --predictions``).
    The table is read once, as a test set with every column but the target as a feature: its
    fingerprint covers the scores, and --slice may name any column."""
    from champion.data import column, load_dataset, values_of
    from champion.evaluation import compare
    from champion.reports.collect import (
        dataset_info,
        find_slices,
        prediction_models,
        predictions_slicer,
    )

    if not data.target:
        raise DataError("--predictions needs --target COL, the column of the true labels.")
    if not score_options:
        raise DataError("--predictions needs --score NAME=COL for each model (at least one).")
    columns = parse_scores(score_options)
    patterns = class_patterns(columns)
    chosen = _check_baseline(baseline, list(columns))
    dataset = load_dataset(path, target=data.target, pos_label=data.pos_label, limits=data.limits())
    if patterns is not None:
        return _multiclass_predictions(dataset, patterns, chosen, stats, slicing)
    if dataset.classes is not None:
        raise DataError(
            f"target column {data.target!r} has {len(dataset.classes)} classes: give each "
            "model's class probability columns as a pattern whose * stands for the class, "
            "--score NAME=PREFIX* (e.g. --score v1=v1_*)."
        )
    scores = {name: values_of(column(dataset.frame, col, "score")) for name, col in columns.items()}
    try:
        cmp = compare(
            dataset.labels,
            scores,
            baseline=chosen,
            pos_label=dataset.pos_label,
            threshold=stats.threshold,
            confidence=stats.confidence,
            n_boot=stats.n_boot,
            random_state=stats.seed,
            ci=stats.ci,
        )
    except DataError as err:
        raise DataError(in_context(str(err), path, dataset.target, columns)) from err
    metric = slicing.metric_for(False)
    run = predictions_slicer(dataset, scores, cmp.baseline, metric, slicing.bins, stats)
    found = find_slices(slicing.columns, slicing.bins, run)
    return Gathered(
        cmp, dataset_info(dataset), {"models": prediction_models(columns), "slices": found}
    )


def _multiclass_predictions(
    dataset: EvalDataset,
    patterns: dict[str, str],
    baseline: str,
    stats: Statistics,
    slicing: Slicing,
) -> Gathered:
    """The multiclass comparison of each model's class probability columns (as ``compare
    --predictions --score NAME=PREFIX*``), with its curves, agreements and slices."""
    import numpy as np

    from champion.evaluation.multiclass import align_classes, compare_multiclass
    from champion.reports.collect import (
        class_agreements,
        dataset_info,
        find_slices,
        multiclass_predictions_slicer,
        own_class_curves,
        prediction_models,
    )

    frame = dataset.frame
    versions = {}
    for name, pattern in patterns.items():
        columns, classes = _class_columns(frame, name, pattern)
        versions[name] = (frame[columns].to_numpy(dtype=np.float64, na_value=np.nan), classes)
    aligned = align_classes(list(dataset.labels), versions)
    ordered = {baseline: aligned.probabilities[baseline], **aligned.probabilities}
    cmp = compare_multiclass(
        dataset.labels,
        ordered,
        list(aligned.classes),
        baseline=baseline,
        confidence=stats.confidence,
        n_boot=stats.n_boot,
        random_state=stats.seed,
        ci=stats.ci,
    )
    metric = slicing.metric_for(True)
    run = multiclass_predictions_slicer(dataset, versions, baseline, metric, slicing.bins, stats)
    fields = {
        "models": prediction_models(patterns),
        "slices": find_slices(slicing.columns, slicing.bins, run),
        "notes": aligned.notes,
        "curves": own_class_curves(dataset.labels, versions, ()),
        "agreements": class_agreements(
            dataset.labels, aligned.probabilities, aligned.classes, baseline
        ),
    }
    return Gathered(cmp, dataset_info(dataset), fields)


def from_registry(
    model_uris: tuple[str, ...],
    baseline: str | None,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    slicing: Slicing,
    ui: str | None,
    quiet: bool,
) -> Gathered:
    """The comparison of registered models scored on --data (as ``compare``), with each model's
    registry facts, who holds @champion and the worst slice; multiclass test sets also give
    each model's curves and each challenger's agreement with the baseline."""
    from champion.reports.collect import (
        class_agreements,
        dataset_info,
        find_slices,
        registered_models,
        workspace_slicer,
    )
    from champion.workspace.multiclass import aligned_classes, curves_of

    dataset = data.load(scoring.tracking_uri)
    multiclass = dataset.classes is not None
    fields: dict[str, Any] = {}
    with scoring_progress(not quiet) as progress:
        workspace = scoring.workspace(progress)
        cmp: Comparison | MulticlassComparison
        if multiclass:
            (cmp, notes), scored = workspace.compare_multiclass(
                list(model_uris), dataset, stats, baseline
            )
            ordered = {label: scored[label] for label in cmp.models}
            aligned = aligned_classes(ordered, dataset)
            fields["notes"] = notes
            fields["curves"] = {
                label: curves_of(workspace.analyses, s, dataset) for label, s in ordered.items()
            }
            fields["agreements"] = class_agreements(
                dataset.labels, aligned.probabilities, aligned.classes, cmp.baseline
            )
        else:
            cmp, scored = workspace.compare(list(model_uris), dataset, stats, baseline)
            ordered = {label: scored[label] for label in cmp.models}
        models, model, champion = registered_models(workspace, ordered, ui)
        metric = slicing.metric_for(multiclass)
        run = workspace_slicer(
            workspace, ordered, cmp.baseline, dataset, metric, slicing.bins, stats
        )
        slices = find_slices(slicing.columns, slicing.bins, run)
    fields |= {
        "models": models,
        "registered_model": model,
        "champion": champion,
        "slices": slices,
        "scored": {uri: scored_dict(s) for uri, s in scored.items()},
    }
    return Gathered(cmp, dataset_info(dataset), fields)


def evaluated_record(
    workspace: Workspace,
    cmp: Comparison | MulticlassComparison,
    scored: ScoredModel,
    dataset: EvalDataset,
    notes: tuple[str, ...] = (),
) -> DecisionRecord:
    """The decision record of one evaluated model (``evaluate --log``'s champion/report.html),
    gathered as ``from_registry`` gathers it: the model's registry facts, who holds @champion
    and, with three or more classes, its one-vs-rest curves; no gate, no slices."""
    from champion.evaluation.multiclass import MulticlassComparison
    from champion.reports.collect import dataset_info, new_record, registered_models
    from champion.workspace.multiclass import curves_of

    label = cmp.baseline
    ui = ui_address(None, workspace.registry.tracking_uri)
    models, model, champion = registered_models(workspace, {label: scored}, ui)
    fields: dict[str, Any] = {
        "registered_model": model,
        "champion": champion,
        "scored": {label: scored_dict(scored)},
    }
    if isinstance(cmp, MulticlassComparison):
        fields |= {
            "notes": notes,
            "curves": {label: curves_of(workspace.analyses, scored, dataset)},
            "agreements": {},
        }
    return new_record(cmp, dataset_info(dataset), models, None, **fields)
