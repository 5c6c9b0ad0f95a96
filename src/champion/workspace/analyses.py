"""What is computed from scores, each once per host and kept: reports, paired comparisons,
slice tables (on disk, see ``results``) and disagreement rows (in memory: cheap, and they carry
the test set's feature values).

Results are stored under neutral names and named on the way out, so the command line (models
named by URI) and the dashboard (named "version 3", in either language) share them:

- a version's *report* (kernel, curves, DeLong interval; no bootstrap), read at any threshold
  through ``EvaluationReport.at``;
- a *paired comparison* of a challenger with a baseline (bootstrap intervals, DeLong, McNemar).
  Its curves and counts equal those of the two versions' reports, so they are stored once, with
  the reports, and the pair's entry keeps only its statistics (a few KB instead of 160 MB at a
  million rows). A selection's comparison is assembled from pairs: the bootstrap resamples
  depend only on the number of rows and the seed, so a pair compared alone has the intervals it
  has in a comparison of the whole selection.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from champion.data import EvalDataset
from champion.data.slicing import slice_dataset
from champion.errors import DataError
from champion.evaluation import (
    Agreement,
    Comparison,
    EvaluationReport,
    SliceTable,
    compare,
    evaluate,
    paired_agreement,
    slice_metrics,
)
from champion.evaluation.multiclass.slices import multiclass_slice_metrics
from champion.workspace.keys import DEFAULT_THRESHOLD, Statistics
from champion.workspace.results import Memo, ResultStore, content_key
from champion.workspace.scores import ScoredModel

BASE, CHALLENGER = "baseline", "challenger"  # the neutral names of a stored pair
HEAVY = ("counts", "roc", "pr")  # report fields a pair shares with the versions' reports
MAX_ROWS = 5000  # disagreeing rows sent to the browser's grid; the rest are counted


@dataclass(frozen=True)
class Disagreements:
    """The agreement table of two models (labelled baseline and challenger) at a threshold
    (None: multiclass models, whose predicted class is the argmax) and the rows they disagree
    on: rows (k, row number + features + label + both scores), the first
    MAX_ROWS by descending score difference (every one for a download); total is the number of
    disagreeing rows."""

    baseline: str
    challenger: str
    threshold: float | None
    agreement: Agreement
    rows: pd.DataFrame
    total: int


def report_digest(scored: ScoredModel, dataset: EvalDataset) -> str:
    return content_key("report", scored.digest, dataset.fingerprint)


def pair_digest(
    base: ScoredModel, challenger: ScoredModel | None, dataset: EvalDataset, stats: Statistics
) -> str:
    """The key of challenger against base (None: base alone, with its intervals)."""
    other = "alone" if challenger is None else challenger.digest
    return content_key("pair", base.digest, other, dataset.fingerprint, *stats.parts())


SLICE_RESAMPLES = 200  # per slice and challenger; ROC AUC uses DeLong and needs none


def _slices_digest(
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    slicing: tuple[str, int, str, float],
    stats: Statistics,
) -> str:
    """The key of a slice table: the models' scores, the baseline, the test set, (column,
    bins, metric, threshold) and the statistics it was computed with."""
    return content_key(
        "slices",
        [(label, s.digest) for label, s in scored.items()],
        baseline,
        dataset.fingerprint,
        *slicing,
        float(stats.confidence),
        min(stats.n_boot, SLICE_RESAMPLES),
        stats.seed,
        stats.ci,
    )


class Analyses:
    """Reports, pairs, slices and disagreements of scored models on test sets; results go to
    ``store`` (shared by every process using the same cache) or, without one, stay in memory."""

    def __init__(self, store: ResultStore | None, memo_size: int = 64) -> None:
        self.store = store
        self._memo: Memo[str, Any] = Memo(memo_size)
        self._rows: Memo[tuple[object, ...], Disagreements] = Memo(memo_size)
        # reports under the callers' names, kept: what a report computes on first use (its
        # threshold sweep, gain, calibration) is then computed once, not on every request
        self._named: Memo[tuple[str, str], EvaluationReport] = Memo(memo_size)

    def _once(self, kind: str, digest: str, compute: Any, **job: Any) -> Any:
        """The result stored under digest, else compute() (once per host with a store)."""
        if self.store is not None:
            return self.store.once(kind, digest, compute, **job)
        found = self._memo.get(digest)
        if found is None:
            found = compute()
            self._memo.put(digest, found)
        return found

    def once(self, kind: str, digest: str, compute: Any, **job: Any) -> Any:
        """The result of kind stored under digest, else compute(), as for this module's own
        results: for analyses kept in modules of their own (``operating``)."""
        return self._once(kind, digest, compute, **job)

    def stored(self, kind: str, digest: str) -> Any:
        """The result of kind stored under digest, or None; never computes (see ``once``)."""
        return self._stored(kind, digest)

    def _stored(self, kind: str, digest: str, **codec: Any) -> Any:
        if self.store is not None:
            return self.store.get(kind, digest, **codec)
        return self._memo.get(digest)

    # reports ----------------------------------------------------------------------------------

    def report(self, scored: ScoredModel, dataset: EvalDataset, label: str) -> EvaluationReport:
        """The model's report (no bootstrap; threshold 0.5, read others with .at()), named
        label."""
        digest = report_digest(scored, dataset)
        known = self._named.get((digest, label))
        if known is not None:
            return known

        def compute() -> EvaluationReport:
            return evaluate(
                dataset.labels,
                scored.values,
                pos_label=dataset.pos_label,
                threshold=DEFAULT_THRESHOLD,
                n_boot=0,
                name="model",
                labels_only=scored.labels_only,
            )

        found: EvaluationReport = self._once("report", digest, compute, dataset=dataset.fingerprint)
        named_report = dataclasses.replace(found, name=label)
        self._named.put((digest, label), named_report)
        return named_report

    # paired comparisons -----------------------------------------------------------------------

    def find_pair(
        self,
        base: ScoredModel,
        challenger: ScoredModel | None,
        dataset: EvalDataset,
        stats: Statistics,
    ) -> Comparison | None:
        """The stored pair (neutral names), or None; never computes."""
        digest = pair_digest(base, challenger, dataset, stats)
        found: Comparison | None = self._stored(
            "pair", digest, loads=self._pair_loads(base, challenger, dataset)
        )
        return found

    def pair(
        self,
        base: ScoredModel,
        challenger: ScoredModel | None,
        dataset: EvalDataset,
        stats: Statistics,
    ) -> Comparison:
        """challenger against base (None: base alone, with its intervals), computed once per
        host; neutral names (see ``named``)."""
        digest = pair_digest(base, challenger, dataset, stats)

        def compute() -> Comparison:
            models = {BASE: base} if challenger is None else {BASE: base, CHALLENGER: challenger}
            scores = {name: s.values for name, s in models.items()}
            labels_only = [name for name, s in models.items() if s.labels_only]
            return compare(
                dataset.labels,
                scores,
                baseline=BASE,
                pos_label=dataset.pos_label,
                labels_only=labels_only,
                threshold=stats.threshold,
                confidence=stats.confidence,
                n_boot=stats.n_boot,
                random_state=stats.seed,
                ci=stats.ci,
            )

        subjects = (base.key.uri, (challenger or base).key.uri)
        found: Comparison = self._once(
            "pair",
            digest,
            compute,
            subjects=subjects,
            dataset=dataset.fingerprint,
            loads=self._pair_loads(base, challenger, dataset),
            dumps=_pair_dumps,
        )
        return found

    def _pair_loads(
        self, base: ScoredModel, challenger: ScoredModel | None, dataset: EvalDataset
    ) -> Any:
        def loads(data: bytes) -> Comparison:
            heavy = {
                BASE: self.report(base, dataset, BASE),
                CHALLENGER: self.report(challenger or base, dataset, CHALLENGER),
            }
            found: Comparison = _Attach(io.BytesIO(data), heavy).load()
            return found

        return loads

    # selections -------------------------------------------------------------------------------

    def selection(
        self,
        scored: Mapping[str, ScoredModel],
        baseline: str,
        dataset: EvalDataset,
        stats: Statistics,
        pairs: Mapping[str, Comparison] | None = None,
    ) -> Comparison:
        """The comparison of every model in scored (label -> scores) with the one labelled
        baseline, assembled from pairs (computed once each; pairs given are used as they are)."""
        base = scored[baseline]
        challengers = [label for label in scored if label != baseline]
        found = dict(pairs or {})
        for label in challengers or [baseline]:
            if label in found:
                continue
            try:
                other = scored[label] if label != baseline else None
                found[label] = self.pair(base, other, dataset, stats)
            except DataError as err:
                raise relabel_error(err, [baseline, label]) from err
        if not challengers:
            return named(found[baseline], baseline, None)
        models: dict[str, EvaluationReport] = {}
        comparisons = {}
        for label in challengers:
            one = named(found[label], baseline, label)
            models.setdefault(baseline, one.models[baseline])
            models[label] = one.models[label]
            comparisons[label] = one.comparisons[label]
        return Comparison(baseline, models, comparisons)

    # slices and disagreements -----------------------------------------------------------------

    def find_slices(
        self,
        scored: Mapping[str, ScoredModel],
        baseline: str,
        dataset: EvalDataset,
        slicing: tuple[str, int, str, float],
        stats: Statistics,
    ) -> SliceTable | None:
        """The stored slice table of ``slices`` (slicing: column, bins, metric, threshold), or
        None; never computes."""
        digest = _slices_digest(scored, baseline, dataset, slicing, stats)
        found: SliceTable | None = self._stored("slices", digest)
        return found

    def slices(
        self,
        scored: Mapping[str, ScoredModel],
        baseline: str,
        dataset: EvalDataset,
        column: str,
        bins: int,
        metric: str,
        threshold: float,
        stats: Statistics | None = None,
    ) -> SliceTable:
        """metric per slice of column for every model in scored (label -> scores), each slice a
        paired comparison at stats' confidence (bootstrap: at most SLICE_RESAMPLES resamples,
        since every slice is resampled on its own); computed once per host."""
        stats = stats or Statistics()
        slicing = (column, bins, metric, float(threshold))
        digest = _slices_digest(scored, baseline, dataset, slicing, stats)

        def compute() -> SliceTable:
            sliced = slice_dataset(dataset, column, bins)
            if dataset.classes is not None:  # each model's probabilities and classes
                return multiclass_slice_metrics(
                    dataset.labels,
                    {label: (s.values, s.classes or ()) for label, s in scored.items()},
                    sliced.codes, sliced.labels, metric=metric, baseline=baseline,
                    labels_only=[label for label, s in scored.items() if s.labels_only],
                    confidence=stats.confidence, n_boot=min(stats.n_boot, SLICE_RESAMPLES),
                    random_state=stats.seed, ci=stats.ci,
                )  # fmt: skip
            return slice_metrics(
                dataset.labels,
                {label: s.values for label, s in scored.items()},
                sliced.codes,
                sliced.labels,
                metric=metric,
                baseline=baseline,
                pos_label=dataset.pos_label,
                threshold=threshold,
                labels_only=[label for label, s in scored.items() if s.labels_only],
                confidence=stats.confidence,
                n_boot=min(stats.n_boot, SLICE_RESAMPLES),
                random_state=stats.seed,
                ci=stats.ci,
            )

        subjects = tuple(s.key.uri for s in scored.values())
        found: SliceTable = self._once(
            "slices", digest, compute, subjects=subjects, dataset=dataset.fingerprint
        )
        return found

    def disagreements(
        self,
        base: tuple[str, ScoredModel],
        challenger: tuple[str, ScoredModel],
        dataset: EvalDataset,
        threshold: float,
        every: bool = False,
    ) -> Disagreements:
        """Where two models (label, scores) predict different classes at threshold: the first
        MAX_ROWS rows, or every one (for a download; not kept in memory)."""
        if every:
            return disagreeing_rows(base, challenger, dataset, threshold, None)
        (base_label, b), (challenger_label, c) = base, challenger
        key = (b.digest, c.digest, base_label, challenger_label, dataset.fingerprint, threshold)
        found = self._rows.get((*key, MAX_ROWS))
        if found is None:
            found = disagreeing_rows(base, challenger, dataset, threshold, MAX_ROWS)
            self._rows.put((*key, MAX_ROWS), found)
        return found


def disagreeing_rows(
    base: tuple[str, ScoredModel],
    challenger: tuple[str, ScoredModel],
    dataset: EvalDataset,
    threshold: float,
    limit: int | None,
) -> Disagreements:
    """Where two models (label, scores) predict different classes at threshold: the agreement
    table and the first limit disagreeing rows (None: all) by descending score difference."""
    (base_label, b), (challenger_label, c) = base, challenger
    agreement, index = paired_agreement(dataset.y, b.values, c.values, threshold)
    gap = np.abs(c.values[index] - b.values[index])
    # a stable sort keeps row order among equal gaps, so the table is reproducible
    shown = index[np.argsort(-gap, kind="stable")[:limit]]
    rows = dataset.frame.iloc[shown].copy()
    rows.insert(0, "row", shown)
    rows[dataset.target] = dataset.labels[shown]
    rows[f"score {base_label}"] = b.values[shown]
    rows[f"score {challenger_label}"] = c.values[shown]
    return Disagreements(
        base_label,
        challenger_label,
        float(threshold),
        agreement,
        rows.reset_index(drop=True),
        int(index.size),
    )


def named(pair: Comparison, baseline: str, challenger: str | None) -> Comparison:
    """A stored pair with its neutral names replaced by the callers' labels."""
    names = {BASE: baseline, CHALLENGER: challenger or baseline}
    models = {names[n]: dataclasses.replace(r, name=names[n]) for n, r in pair.models.items()}
    comparisons = {
        names[n]: dataclasses.replace(c, name=names[n], baseline=baseline)
        for n, c in pair.comparisons.items()
    }
    return Comparison(baseline, models, comparisons)


def relabel_error(err: DataError, labels: Sequence[str]) -> DataError:
    """err with the neutral names of a pair replaced by the models' labels."""
    text = str(err)
    for neutral, label in zip((BASE, CHALLENGER), labels, strict=False):
        text = text.replace(repr(neutral), repr(label))
    return DataError(text)


class _Detach(pickle.Pickler):
    """Pickles a pair without the curves and counts its reports share with the versions'."""

    def __init__(self, file: io.BytesIO, pair: Comparison) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._heavy = {
            id(getattr(report, field)): f"{name}:{field}"
            for name, report in pair.models.items()
            for field in HEAVY
        }

    def persistent_id(self, obj: Any) -> str | None:
        return self._heavy.get(id(obj))


class _Attach(pickle.Unpickler):
    """Loads a pair, taking its curves and counts from the versions' reports."""

    def __init__(self, file: io.BytesIO, reports: Mapping[str, EvaluationReport]) -> None:
        super().__init__(file)
        self._reports = reports

    def persistent_load(self, pid: Any) -> Any:
        name, _, field = str(pid).partition(":")
        if name not in self._reports or field not in HEAVY:
            raise pickle.UnpicklingError(f"unknown shared part {pid!r}")
        return getattr(self._reports[name], field)


def _pair_dumps(pair: Comparison) -> bytes:
    # fresh report objects: values cached on the originals (sweep, gain) are not stored
    slim = Comparison(
        pair.baseline,
        {n: dataclasses.replace(r) for n, r in pair.models.items()},
        pair.comparisons,
    )
    out = io.BytesIO()
    _Detach(out, slim).dump(slim)
    return out.getvalue()
