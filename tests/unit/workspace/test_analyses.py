"""Reports, pairs and selections computed once, stored slim, read back equal after a restart."""

from __future__ import annotations

import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from champion.errors import DataError
from champion.evaluation import compare
from champion.models.refs import ResolvedModel
from champion.workspace import ModelKey, Statistics
from champion.workspace.analyses import Analyses
from champion.workspace.results import ResultStore
from champion.workspace.scores import ScoredModel, scores_digest

N = 400


def scored(version: str, values: np.ndarray, kind: str = "probability") -> ScoredModel:
    uri = f"models:/m/{version}"
    resolved = ResolvedModel(uri, "m", version, None, None, f"file:///m/{version}")
    return ScoredModel(
        ModelKey.of_version("m", version),
        resolved,
        values,
        kind,
        None,
        "checksum",
        True,
        scores_digest(values, kind),
    )


@pytest.fixture
def data() -> tuple[Any, dict[str, ScoredModel]]:
    rng = np.random.default_rng(3)
    y = rng.random(N) < 0.4
    versions = {
        v: scored(v, np.clip(y * shift + rng.random(N) * (1 - shift), 0, 1))
        for v, shift in (("1", 0.2), ("2", 0.3), ("3", 0.25))
    }
    dataset = SimpleNamespace(
        labels=y.astype(int), y=y, pos_label=1, n=N, fingerprint="f" * 64, classes=None
    )
    return dataset, versions


def labelled(versions: dict[str, ScoredModel], order: tuple[str, ...]) -> dict[str, ScoredModel]:
    return {f"version {v}": versions[v] for v in order}


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_selection_assembled_from_pairs_equals_one_comparison(
    data: Any, tmp_path: Path, on_disk: bool
) -> None:
    dataset, versions = data
    analyses = Analyses(ResultStore(tmp_path) if on_disk else None)
    stats = Statistics(threshold=0.4, n_boot=200)
    assembled = analyses.selection(labelled(versions, ("1", "2", "3")), "version 1", dataset, stats)
    whole = compare(
        dataset.labels,
        {f"version {v}": versions[v].values for v in ("1", "2", "3")},
        threshold=0.4,
        n_boot=200,
    )
    assert list(assembled.models) == list(whole.models)
    assert assembled.to_dict() == whole.to_dict()
    for name, comparison in whole.comparisons.items():
        assert assembled.comparisons[name].deltas == comparison.deltas


def test_a_stored_pair_is_slim_and_reads_back_equal_after_a_restart(
    data: Any, tmp_path: Path
) -> None:
    dataset, versions = data
    stats = Statistics(n_boot=100)
    chosen = labelled(versions, ("1", "3"))
    first = Analyses(ResultStore(tmp_path)).selection(chosen, "version 1", dataset, stats)
    pairs = list((tmp_path / "results" / "pair").glob("*.pkl"))
    assert len(pairs) == 1
    # the curves and counts live with the versions' reports, not in the pair's entry
    assert pairs[0].stat().st_size < len(pickle.dumps(first)) / 4
    again = Analyses(ResultStore(tmp_path)).selection(chosen, "version 1", dataset, stats)
    assert again.to_dict(curves=True) == first.to_dict(curves=True)
    assert len(list((tmp_path / "results" / "pair").glob("*.pkl"))) == 1
    assert len(list((tmp_path / "results" / "report").glob("*.pkl"))) == 2


def test_results_are_shared_whatever_the_models_are_called(data: Any, tmp_path: Path) -> None:
    dataset, versions = data
    analyses = Analyses(ResultStore(tmp_path))
    stats = Statistics(n_boot=50)
    by_version = analyses.selection(labelled(versions, ("1", "2")), "version 1", dataset, stats)
    by_uri = analyses.selection(
        {"models:/m/1": versions["1"], "models:/m/2": versions["2"]}, "models:/m/1", dataset, stats
    )
    assert list(by_uri.comparisons) == ["models:/m/2"]
    assert by_uri.comparisons["models:/m/2"].baseline == "models:/m/1"
    assert by_uri.models["models:/m/2"].name == "models:/m/2"
    assert by_uri.comparisons["models:/m/2"].deltas == by_version.comparisons["version 2"].deltas
    assert len(list((tmp_path / "results" / "pair").glob("*.pkl"))) == 1


def test_a_new_threshold_or_seed_is_a_new_result(data: Any, tmp_path: Path) -> None:
    dataset, versions = data
    analyses = Analyses(ResultStore(tmp_path))
    for stats in (Statistics(n_boot=20), Statistics(0.3, n_boot=20), Statistics(n_boot=20, seed=1)):
        analyses.pair(versions["1"], versions["2"], dataset, stats)
    assert len(list((tmp_path / "results" / "pair").glob("*.pkl"))) == 3


def test_reports_are_named_by_the_caller(data: Any, tmp_path: Path) -> None:
    dataset, versions = data
    analyses = Analyses(ResultStore(tmp_path))
    first = analyses.report(versions["2"], dataset, "version 2")
    second = analyses.report(versions["2"], dataset, "バージョン 2")
    assert (first.name, second.name) == ("version 2", "バージョン 2")
    assert first.metrics == second.metrics
    assert len(list((tmp_path / "results" / "report").glob("*.pkl"))) == 1


def test_slices_and_disagreements(data: Any, tmp_path: Path) -> None:
    import pandas as pd

    dataset, versions = data
    dataset.frame = pd.DataFrame({"group": np.arange(N) % 3})
    dataset.target = "label"
    analyses = Analyses(ResultStore(tmp_path))
    chosen = labelled(versions, ("1", "2"))
    table = analyses.slices(chosen, "version 1", dataset, "group", 4, "accuracy", 0.5)
    assert [row.n for row in table.rows] == [134, 133, 133]
    assert analyses.slices(chosen, "version 1", dataset, "group", 4, "accuracy", 0.5) == table
    found = analyses.disagreements(
        ("version 1", versions["1"]), ("version 2", versions["2"]), dataset, 0.5
    )
    predicted = [versions[v].values >= 0.5 for v in ("1", "2")]
    assert found.total == int(np.count_nonzero(predicted[0] != predicted[1]))
    assert list(found.rows.columns) == [
        "row",
        "group",
        "label",
        "score version 1",
        "score version 2",
    ]
    gaps = (found.rows["score version 2"] - found.rows["score version 1"]).abs()
    assert gaps.is_monotonic_decreasing


def test_a_download_gets_every_disagreeing_row_the_grid_shows_the_first(
    data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    from champion.workspace import analyses as module

    dataset, versions = data
    dataset.frame = pd.DataFrame({"group": np.arange(N) % 3})
    dataset.target = "label"
    monkeypatch.setattr(module, "MAX_ROWS", 10)
    analyses = Analyses(None)
    pair = (("version 1", versions["1"]), ("version 2", versions["2"]), dataset, 0.5)
    shown = analyses.disagreements(*pair)
    every = analyses.disagreements(*pair, every=True)
    assert shown.total == every.total == len(every.rows) > len(shown.rows) == 10
    assert every.agreement == shown.agreement
    pd.testing.assert_frame_equal(every.rows.head(10), shown.rows)  # one order, one code path


def test_bad_scores_are_reported_with_the_callers_names(data: Any, tmp_path: Path) -> None:
    dataset, versions = data
    bad = scored("9", np.full(N, 0.5))
    bad = ScoredModel(
        bad.key,
        bad.resolved,
        np.where(np.arange(N) == 7, 2.0, 0.0),
        "label",
        None,
        "c",
        True,
        "d" * 64,
    )
    from champion.workspace import Workspace

    workspace = Workspace.__new__(Workspace)
    workspace.analyses = Analyses(ResultStore(tmp_path))
    with pytest.raises(DataError) as caught:
        workspace.comparison(
            {"version 1": versions["1"], "version 9": bad},
            "version 1",
            dataset,
            Statistics(n_boot=0),
        )
    assert "'version 9'" in str(caught.value)
    assert "'challenger'" not in str(caught.value)


def test_two_models_with_equal_scores_are_compared_not_merged(data: Any, tmp_path: Path) -> None:
    dataset, versions = data
    twin = scored("4", versions["1"].values.copy())
    assert twin.digest == versions["1"].digest
    result = Analyses(ResultStore(tmp_path)).selection(
        {"version 1": versions["1"], "version 4": twin}, "version 1", dataset, Statistics(n_boot=20)
    )
    assert list(result.comparisons) == ["version 4"]
    assert result.comparisons["version 4"].deltas["roc_auc"].delta == 0.0
    alone = Analyses(ResultStore(tmp_path)).selection(
        {"version 1": versions["1"]}, "version 1", dataset, Statistics(n_boot=20)
    )
    assert list(alone.models) == ["version 1"]
    assert alone.comparisons == {}


def test_a_named_report_is_kept_with_what_it_computed(data: Any, tmp_path: Path) -> None:
    dataset, versions = data
    analyses = Analyses(ResultStore(tmp_path))
    first = analyses.report(versions["2"], dataset, "version 2")
    sweep = first.sweep  # computed on first use
    again = analyses.report(versions["2"], dataset, "version 2")
    assert again is first
    assert again.sweep is sweep
