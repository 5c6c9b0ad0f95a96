"""The evaluations the pages read, each computed once per process and kept in bounded memos.

Two kinds, because they cost very different amounts at a million rows:

- a version's *report* (kernel, curves, sweep, DeLong interval of its ROC AUC; no bootstrap):
  about 0.15 s at 1e6 rows, computed once per version and then read by the Curves, Threshold
  and Slices pages at any threshold (``EvaluationReport.at`` is a binary search);
- a *paired comparison* of a challenger with the baseline at a threshold (bootstrap intervals,
  DeLong and McNemar tests): seconds to minutes at 1e6 rows, so unless it is small it is
  computed by a background thread while the page says so, and the jobs poll refreshes the page.

A selection's comparison is assembled from pairwise ones: the bootstrap resamples depend only on
the number of rows and the seed, so a pair compared alone has the same intervals as in a
comparison of the whole selection.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import pandas as pd

from champion.data import EvalDataset
from champion.data.slicing import slice_dataset
from champion.errors import ChampionError
from champion.evaluation import (
    Agreement,
    Comparison,
    EvaluationReport,
    compare,
    evaluate,
    paired_agreement,
)
from champion.evaluation.slices import SliceTable, slice_metrics
from champion.service import ScoredModel

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

REPORT_THRESHOLD = 0.5  # reports are read at any threshold through .at(); this is only their own


def version_label(version: str) -> str:
    """The name a version goes by in tables, legends and colours: "version 3"."""
    return f"version {version}"


class Memo(Generic[K, V]):
    """A thread-safe, size-bounded map of computed values (oldest dropped first)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@dataclass(frozen=True)
class Disagreements:
    """The agreement table of two versions at a threshold and the rows they disagree on:
    rows (k, features + label + both scores), the first MAX_ROWS by descending score
    difference, with total the number of disagreeing rows."""

    key: PairKey
    agreement: Agreement
    rows: pd.DataFrame
    total: int


MAX_ROWS = 5000  # rows sent to the browser's grid; the rest are counted, not shipped


@dataclass(frozen=True)
class PairKey:
    """A paired comparison: challenger against baseline at a threshold (equal versions: the
    baseline alone, with its bootstrap intervals)."""

    baseline: str
    challenger: str
    threshold: float


class Evaluations:
    """Reports and paired comparisons of scored versions on one test set.

    scores_of(version) returns the version's cached scores or None; inline_budget is the
    largest rows x (n_boot + 1) computed on the request path, beyond it comparisons go to the
    background thread.
    """

    def __init__(
        self,
        dataset: EvalDataset,
        scores_of: Callable[[str], ScoredModel | None],
        n_boot: int,
        inline_budget: int,
        memo_size: int = 64,
    ) -> None:
        self.dataset = dataset
        self._scores_of = scores_of
        self.n_boot = n_boot
        self.inline_budget = inline_budget
        self._reports: Memo[str, EvaluationReport] = Memo(memo_size)
        self._pairs: Memo[PairKey, Comparison] = Memo(memo_size)
        self._slices: Memo[tuple[object, ...], SliceTable] = Memo(memo_size)
        self._disagreements: Memo[PairKey, Disagreements] = Memo(memo_size)
        self._lock = threading.Lock()
        self._running: set[PairKey] = set()
        self._errors: dict[PairKey, str] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="champion-compare")

    # reports (no bootstrap) -------------------------------------------------------------------

    def report(self, version: str) -> EvaluationReport | None:
        """The version's report, or None while it is not scored."""
        known = self._reports.get(version)
        if known is not None:
            return known
        scored = self._scores_of(version)
        if scored is None:
            return None
        report = evaluate(
            self.dataset.labels,
            scored.values,
            pos_label=self.dataset.pos_label,
            threshold=REPORT_THRESHOLD,
            n_boot=0,
            name=version_label(version),
            labels_only=scored.labels_only,
        )
        self._reports.put(version, report)
        return report

    # paired comparisons ---------------------------------------------------------------------

    def pair(self, key: PairKey) -> Comparison | None:
        """The comparison if known; else computed now when small, else queued (None)."""
        known = self._pairs.get(key)
        if known is not None:
            return known
        with self._lock:
            failed = self._errors.pop(key, None)
        if failed is not None:  # reported once; the next request tries again
            raise ChampionError(failed)
        if self.dataset.n * (self.n_boot + 1) <= self.inline_budget:
            return self._compute(key)
        self.queue(key)
        return None

    def queue(self, key: PairKey) -> None:
        """Compute key's comparison in the background (once)."""
        with self._lock:
            if key in self._running or self._pairs.get(key) is not None:
                return
            self._running.add(key)
        self._executor.submit(self._background, key)

    def computing(self) -> list[PairKey]:
        with self._lock:
            return sorted(self._running, key=lambda k: (k.baseline, k.challenger, k.threshold))

    def _background(self, key: PairKey) -> None:
        try:
            self._compute(key)
        except ChampionError as err:
            with self._lock:
                self._errors[key] = str(err)
        finally:
            with self._lock:
                self._running.discard(key)

    def _compute(self, key: PairKey) -> Comparison:
        versions = dict.fromkeys((key.baseline, key.challenger))
        scored = {v: self._scores_of(v) for v in versions}
        missing = [v for v, s in scored.items() if s is None]
        if missing:
            raise ChampionError(f"version {missing[0]} has no scores yet; try again shortly.")
        values = {version_label(v): s.values for v, s in scored.items() if s is not None}
        result = compare(
            self.dataset.labels,
            values,
            baseline=version_label(key.baseline),
            pos_label=self.dataset.pos_label,
            threshold=key.threshold,
            n_boot=self.n_boot,
            labels_only=[version_label(v) for v, s in scored.items() if s and s.labels_only],
        )
        self._pairs.put(key, result)
        return result

    def selection(
        self, baseline: str, versions: Sequence[str], threshold: float
    ) -> tuple[Comparison | None, tuple[str, ...]]:
        """The comparison of versions (baseline first) assembled from pairs, and the
        challengers still being compared (the comparison is None while any is)."""
        challengers = [v for v in versions if v != baseline]
        keys = [PairKey(baseline, c, threshold) for c in challengers] or [
            PairKey(baseline, baseline, threshold)
        ]
        found = {key: self.pair(key) for key in keys}
        waiting = tuple(k.challenger for k, c in found.items() if c is None)
        if waiting:
            return None, waiting
        pairs = [c for c in found.values() if c is not None]
        base = version_label(baseline)
        models = {base: pairs[0].models[base]}
        comparisons = {}
        for pair in pairs:
            for name, comparison in pair.comparisons.items():
                models[name] = pair.models[name]
                comparisons[name] = comparison
        return Comparison(base, models, comparisons), ()

    # slices -----------------------------------------------------------------------------------

    def slices(
        self,
        baseline: str,
        versions: Sequence[str],
        column: str,
        bins: int,
        metric: str,
        threshold: float,
    ) -> SliceTable:
        """metric per slice of column for the scored versions (baseline first)."""
        key = (baseline, tuple(versions), column, bins, metric, threshold)
        known = self._slices.get(key)
        if known is not None:
            return known
        scored = {v: self._scores_of(v) for v in versions}
        slicing = slice_dataset(self.dataset, column, bins)
        table = slice_metrics(
            self.dataset.labels,
            {version_label(v): s.values for v, s in scored.items() if s is not None},
            slicing.codes,
            slicing.labels,
            metric=metric,
            baseline=version_label(baseline),
            pos_label=self.dataset.pos_label,
            threshold=threshold,
            labels_only=[version_label(v) for v, s in scored.items() if s and s.labels_only],
        )
        self._slices.put(key, table)
        return table

    # disagreements ----------------------------------------------------------------------------

    def disagreements(self, key: PairKey) -> Disagreements:
        """Where the challenger and the baseline predict different classes at the threshold."""
        known = self._disagreements.get(key)
        if known is not None:
            return known
        base, chal = self._scores_of(key.baseline), self._scores_of(key.challenger)
        if base is None or chal is None:
            missing = key.baseline if base is None else key.challenger
            raise ChampionError(f"version {missing} has no scores yet; try again shortly.")
        agreement, index = paired_agreement(self.dataset.y, base.values, chal.values, key.threshold)
        gap = np.abs(chal.values[index] - base.values[index])
        # a stable sort keeps row order among equal gaps, so the table is reproducible
        shown = index[np.argsort(-gap, kind="stable")[:MAX_ROWS]]
        rows = self.dataset.frame.iloc[shown].copy()
        rows.insert(0, "row", shown)
        rows[self.dataset.target] = self.dataset.labels[shown]
        rows[f"score {version_label(key.baseline)}"] = base.values[shown]
        rows[f"score {version_label(key.challenger)}"] = chal.values[shown]
        found = Disagreements(key, agreement, rows.reset_index(drop=True), int(index.size))
        self._disagreements.put(key, found)
        return found
