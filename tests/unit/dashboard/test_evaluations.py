"""The dashboard's evaluation memos: pairs assembled into a selection, background comparisons."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from champion.dashboard.evaluations import Evaluations, PairKey
from champion.errors import ChampionError
from champion.evaluation import compare

N = 400


def scored(values: np.ndarray) -> Any:
    return SimpleNamespace(values=values, labels_only=False)


@pytest.fixture
def data() -> tuple[Any, dict[str, Any]]:
    rng = np.random.default_rng(3)
    y = rng.random(N) < 0.4
    versions = {
        v: scored(np.clip(y * shift + rng.random(N) * (1 - shift), 0, 1))
        for v, shift in (("1", 0.2), ("2", 0.3), ("3", 0.25))
    }
    dataset = SimpleNamespace(labels=y.astype(int), pos_label=1, n=N)
    return dataset, versions


def wait_until_idle(evaluations: Evaluations) -> None:
    deadline = time.monotonic() + 60
    while evaluations.computing() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_selection_assembled_from_pairs_equals_one_comparison(data: Any) -> None:
    dataset, versions = data
    evaluations = Evaluations(dataset, versions.get, n_boot=200, inline_budget=10**9)
    assembled, computing = evaluations.selection("1", ["1", "2", "3"], 0.4)
    assert computing == ()
    assert assembled is not None
    whole = compare(
        dataset.labels,
        {f"version {v}": versions[v].values for v in ("1", "2", "3")},
        threshold=0.4,
        n_boot=200,
    )
    assert list(assembled.models) == list(whole.models)
    for name, report in whole.models.items():
        for metric, estimate in report.metrics.items():
            assert assembled.models[name].metrics[metric] == estimate, (name, metric)
    for name, comparison in whole.comparisons.items():
        assert assembled.comparisons[name].deltas == comparison.deltas


def test_large_comparisons_run_in_the_background_then_are_read(data: Any) -> None:
    dataset, versions = data
    evaluations = Evaluations(dataset, versions.get, n_boot=50, inline_budget=0)
    first, computing = evaluations.selection("1", ["1", "2"], 0.5)
    assert first is None
    assert computing == ("2",)
    wait_until_idle(evaluations)
    second, computing = evaluations.selection("1", ["1", "2"], 0.5)
    assert computing == ()
    assert second is not None
    assert set(second.comparisons) == {"version 2"}


def test_a_failed_background_comparison_is_reported_once_then_retried(data: Any) -> None:
    dataset, versions = data
    available: dict[str, Any] = {"1": versions["1"]}
    evaluations = Evaluations(dataset, available.get, n_boot=10, inline_budget=0)
    key = PairKey("1", "2", 0.5)
    assert evaluations.pair(key) is None  # queued; version 2 has no scores: fails
    wait_until_idle(evaluations)
    with pytest.raises(ChampionError, match="version 2 has no scores"):
        evaluations.pair(key)
    available["2"] = versions["2"]  # the cause goes away
    assert evaluations.pair(key) is None
    wait_until_idle(evaluations)
    assert evaluations.pair(key) is not None


def test_reports_are_computed_once_per_version(data: Any) -> None:
    dataset, versions = data
    calls: list[str] = []

    def scores_of(version: str) -> Any:
        calls.append(version)
        return versions.get(version)

    evaluations = Evaluations(dataset, scores_of, n_boot=0, inline_budget=0)
    first = evaluations.report("2")
    assert first is not None
    assert evaluations.report("2") is first
    assert calls == ["2"]
    assert evaluations.report("9") is None
