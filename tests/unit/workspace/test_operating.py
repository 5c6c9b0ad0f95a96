"""Matched operating points through the composer: the engine's answer, computed once and read
back from the store, under a key that changes with the criterion, its parameters and the split."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from champion.evaluation.criteria import parse_criterion
from champion.evaluation.operating import matched_points
from champion.workspace import Statistics
from champion.workspace.analyses import Analyses
from champion.workspace.operating import operating_digest, operating_points
from champion.workspace.results import ResultStore

from .test_analyses import N, scored


@pytest.fixture
def data() -> tuple[Any, dict[str, Any]]:
    rng = np.random.default_rng(8)
    y = rng.random(N) < 0.4
    noise = rng.normal(0.0, 1.0, N)
    models = {
        "version 1": scored("1", 1 / (1 + np.exp(-(noise + 1.0 * y)))),
        "version 2": scored("2", 1 / (1 + np.exp(-(0.5 * noise + rng.normal(0, 1, N) + y)))),
    }
    dataset = SimpleNamespace(labels=y.astype(int), y=y, pos_label=1, n=N, fingerprint="e" * 64)
    return dataset, models


def test_the_composer_gives_the_engines_answer_once(data: Any, tmp_path: Path) -> None:
    dataset, models = data
    analyses = Analyses(ResultStore(tmp_path))
    stats = Statistics(seed=3)
    criterion = parse_criterion("recall_at_precision:0.6")
    found = operating_points(analyses, models, "version 1", dataset, criterion, 0.5, stats)
    expected = matched_points(
        dataset.y,
        {label: s.values for label, s in models.items()},
        criterion,
        baseline="version 1",
        holdout=0.5,
        seed=3,
    )
    assert found.to_dict() == expected.to_dict()
    again = Analyses(ResultStore(tmp_path))  # another process: read from disk, not computed
    digest = operating_digest(models, "version 1", dataset, criterion, 0.5, stats)
    assert again.store is not None
    assert again.store.get("operating", digest).to_dict() == expected.to_dict()
    assert operating_points(again, models, "version 1", dataset, criterion, 0.5, stats) == found


def test_the_key_holds_the_criterion_its_parameters_and_the_split(data: Any) -> None:
    dataset, models = data
    stats = Statistics()
    keys = {
        operating_digest(models, "version 1", dataset, parse_criterion(text), holdout, s)
        for text, holdout, s in [
            ("min_cost:1:5", None, stats),
            ("min_cost:1:4", None, stats),
            ("min_cost:5:1", None, stats),
            ("recall_at_precision:0.6", None, stats),
            ("fpr_at_recall:0.6", None, stats),
            ("min_cost:1:5", 0.5, stats),
            ("min_cost:1:5", 0.6, stats),
            ("min_cost:1:5", 0.5, Statistics(seed=1)),
            ("min_cost:1:5", None, Statistics(confidence=0.9)),
        ]
    }
    assert len(keys) == 9
    in_memory = Analyses(None)
    first = operating_points(
        in_memory, models, "version 2", dataset, parse_criterion("youden"), None, stats
    )
    assert first.baseline == "version 2"
    assert first.optimistic
    assert list(first.differences) == ["version 1"]
