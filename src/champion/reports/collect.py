"""What a decision record gathers beside the comparison: the test set's identity and class
balance, each model's registry facts (version, run, aliases, MLflow UI link), who holds
@champion, and the slice table where a challenger loses most."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

from champion import __version__
from champion.data import EvalDataset
from champion.data.slicing import slice_dataset
from champion.errors import DataError
from champion.evaluation import Agreement, Comparison, GateVerdict, SliceTable, slice_metrics
from champion.evaluation.metrics import SPECS
from champion.evaluation.multiclass import MulticlassComparison, class_curves
from champion.evaluation.multiclass.report import MULTICLASS_METRIC_NAMES
from champion.evaluation.multiclass.slices import multiclass_slice_metrics
from champion.models.refs import CHAMPION_ALIAS, ResolvedModel
from champion.presentation.table_views import run_cell
from champion.reports.record import (
    ClassCurves,
    DatasetInfo,
    DecisionRecord,
    ModelInfo,
    SliceFinding,
)
from champion.workspace import ModelKey, ScoredModel, Statistics, Workspace

DEFAULT_SLICE_METRIC = "roc_auc"
DEFAULT_MULTICLASS_SLICE_METRIC = "accuracy"  # defined on the smallest slices (the dashboard's)
SLICE_RESAMPLES = 200  # per slice, as the composer's slice tables (ROC AUC needs none: DeLong)

#: a column -> its slice table (the models, baseline, metric and bins already chosen)
Slicer = Callable[[str], SliceTable]


def dataset_info(dataset: EvalDataset) -> DatasetInfo:
    """The test set's summary, positive label and rows per label (most frequent first)."""
    counts = pd.Series(dataset.labels).value_counts(sort=True, dropna=False)
    balance = tuple((label, int(rows)) for label, rows in counts.items())
    return DatasetInfo(dataset.summary(), dataset.pos_label, balance)


def run_url(run_id: str | None, ui: str | None) -> str | None:
    """The run's page in the MLflow UI at ui (an http(s) address, credentials removed), or
    None; the same link as the dashboard's Registry page."""
    return run_cell(run_id, ui, "en").link


def prediction_models(columns: Mapping[str, str]) -> dict[str, ModelInfo]:
    """The models of a predictions table: name -> its score column."""
    return {name: ModelInfo(name, column=col) for name, col in columns.items()}


class AliasReader(Protocol):
    """What registered_models reads of a composer (Workspace, or the Spark one)."""

    def aliases(self, name: str) -> Mapping[str, str]: ...


class Scored(Protocol):
    """What registered_models reads of a model's scores (in memory or on Spark)."""

    @property
    def key(self) -> ModelKey: ...

    @property
    def resolved(self) -> ResolvedModel: ...

    @property
    def kind(self) -> str: ...

    @property
    def from_cache(self) -> bool: ...


def registered_models(
    workspace: AliasReader, scored: Mapping[str, Scored], ui: str | None
) -> tuple[dict[str, ModelInfo], str | None, str | None]:
    """Each scored model (label -> scores) as the registry describes it now, the registered
    model compared (the first one named) and the version holding @champion in it (None when
    none does, or no model is a registered version). Aliases are read afresh: they move."""
    aliases: dict[str, dict[str, list[str]]] = {}  # model -> version -> its aliases
    for s in scored.values():
        name = s.key.name
        if name is not None and name not in aliases:
            held: dict[str, list[str]] = {}
            for alias, holder in sorted(workspace.aliases(name).items()):
                held.setdefault(str(holder), []).append(alias)
            aliases[name] = held
    infos = {}
    for label, s in scored.items():
        r, key = s.resolved, s.key
        version = key.version
        held_now = aliases.get(key.name or "", {}).get(str(version), []) if version else []
        infos[label] = ModelInfo(
            label=label,
            uri=key.uri,
            name=key.name,
            version=version,
            run_id=r.run_id,
            model_id=r.model_id,
            run_url=run_url(r.run_id, ui),
            aliases=tuple(held_now),
            created=None if r.ref is None else r.ref.created,
            kind=s.kind,
            from_cache=s.from_cache,
        )
    model = next(iter(aliases), None)
    champion = None
    if model is not None:
        champion = next((v for v, held in aliases[model].items() if CHAMPION_ALIAS in held), None)
    return infos, model, champion


def slice_metric(rules: Sequence[str], multiclass: bool = False) -> str:
    """The metric slices are judged on by default: the first gate rule's (when slice tables
    know it), else ROC AUC (two classes) or accuracy (more)."""
    known = set(MULTICLASS_METRIC_NAMES) if multiclass else set(SPECS)
    for rule in rules:
        metric = rule.partition(":")[0].strip()
        if metric in known:
            return metric
    return DEFAULT_MULTICLASS_SLICE_METRIC if multiclass else DEFAULT_SLICE_METRIC


def class_agreements(
    labels: Any, probabilities: Mapping[str, Any], classes: Sequence[Any], baseline: str
) -> dict[str, Agreement]:
    """Each challenger's agreement with the baseline on the rows' classes (the argmax of
    probabilities (n, K) in the order of classes): both right, only one right, both wrong."""
    index_of = {str(label): i for i, label in enumerate(classes)}
    index_of.update({label: i for i, label in enumerate(classes)})
    truth = np.array([index_of.get(v, index_of.get(str(v), -1)) for v in labels], np.intp)
    right = {name: np.argmax(p, axis=1) == truth for name, p in probabilities.items()}
    return {
        name: Agreement.of(right[baseline], other)
        for name, other in right.items()
        if name != baseline
    }


def own_class_curves(
    labels: Any, versions: Mapping[str, tuple[Any, Sequence[Any]]], labels_only: Sequence[str]
) -> dict[str, ClassCurves]:
    """Each model's one-vs-rest curves of its own classes (probabilities (n, K_v), classes);
    none for a model that predicts labels only."""
    return {
        name: {} if name in labels_only else class_curves(list(labels), proba, list(classes))
        for name, (proba, classes) in versions.items()
    }


def multiclass_predictions_slicer(
    dataset: EvalDataset,
    versions: Mapping[str, tuple[Any, Sequence[Any]]],
    baseline: str,
    metric: str,
    bins: int,
    stats: Statistics,
) -> Slicer:
    """The slice tables of stored multiclass predictions (name -> probabilities, classes)."""

    def run(column: str) -> SliceTable:
        sliced = slice_dataset(dataset, column, bins)
        return multiclass_slice_metrics(
            dataset.labels,
            versions,
            sliced.codes,
            sliced.labels,
            metric=metric,
            baseline=baseline,
            confidence=stats.confidence,
            n_boot=min(stats.n_boot, SLICE_RESAMPLES),
            random_state=stats.seed,
            ci=stats.ci,
        )

    return run


def predictions_slicer(
    dataset: EvalDataset,
    scores: Mapping[str, Any],
    baseline: str,
    metric: str,
    bins: int,
    stats: Statistics,
) -> Slicer:
    """The slice tables of stored predictions (name -> scores (n,)) on dataset's rows, each
    slice a paired comparison at stats' confidence (at most SLICE_RESAMPLES resamples)."""
    values = {name: np.asarray(s, dtype=np.float64) for name, s in scores.items()}

    def run(column: str) -> SliceTable:
        sliced = slice_dataset(dataset, column, bins)
        return slice_metrics(
            dataset.labels,
            values,
            sliced.codes,
            sliced.labels,
            metric=metric,
            baseline=baseline,
            pos_label=dataset.pos_label,
            threshold=stats.threshold,
            confidence=stats.confidence,
            n_boot=min(stats.n_boot, SLICE_RESAMPLES),
            random_state=stats.seed,
            ci=stats.ci,
        )

    return run


def workspace_slicer(
    workspace: Workspace,
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    metric: str,
    bins: int,
    stats: Statistics,
) -> Slicer:
    """The composer's slice tables of scored models (computed once per host and kept)."""

    def run(column: str) -> SliceTable:
        return workspace.slices(
            scored,
            baseline,
            dataset,
            column=column,
            bins=bins,
            metric=metric,
            threshold=stats.threshold,
            stats=stats,
        )

    return run


def _loss(table: SliceTable) -> float:
    """How much the challenger that loses most on a slice loses there (0 when none does)."""
    losses = [
        abs(w.delta) for w in table.worst.values() if w.label is not None and w.delta is not None
    ]
    return max(losses, default=0.0)


def find_slices(columns: Sequence[str], bins: int, run: Slicer) -> SliceFinding | None:
    """The slice table of the column where a challenger loses most (significantly, after Holm
    across that column's slices); the first column's when none loses; None without columns."""
    chosen = list(dict.fromkeys(columns))
    if not chosen:
        return None
    if bins < 1:
        raise DataError(f"--bins must be at least 1; got {bins}.")
    tables = {column: run(column) for column in chosen}
    column = max(chosen, key=lambda c: _loss(tables[c]))  # the first of equals: max is stable
    return SliceFinding(column, bins, tables[column], tuple(chosen))


def new_record(
    comparison: Comparison | MulticlassComparison,
    dataset: DatasetInfo,
    models: Mapping[str, ModelInfo],
    gate: Mapping[str, GateVerdict] | None = None,
    **more: Any,
) -> DecisionRecord:
    """A DecisionRecord written now (UTC) by this version of champion; more: the record's other
    fields (gate_rules, adjust, registered_model, champion, slices, scored, notes, curves,
    agreements)."""
    ordered = {label: models.get(label, ModelInfo(label)) for label in comparison.models}
    return DecisionRecord(
        comparison=comparison,
        gate=gate,
        dataset=dataset,
        models=ordered,
        created_at=datetime.now(UTC).replace(microsecond=0),
        tool=__version__,
        **more,
    )
