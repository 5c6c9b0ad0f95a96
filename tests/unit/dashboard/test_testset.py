"""The dashboard's test set: serve publishes it once, workers map it, and a published copy that
went missing (pruned while serving) is loaded from its source again."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pandas as pd
import pytest

from champion.dashboard.config import DashboardConfig
from champion.dashboard.testset import open_test_set, publish_test_set


@pytest.fixture
def config(tmp_path: Path) -> DashboardConfig:
    data = tmp_path / "test.csv"
    pd.DataFrame({"x": [0.1, 0.9, 0.4, 0.7], "y": [0, 1, 0, 1]}).to_csv(data, index=False)
    return DashboardConfig("sqlite:///unused.db", "m", str(data), target="y", cache_dir=tmp_path)


def test_workers_map_what_serve_published(
    config: DashboardConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "champion.dashboard")
    loaded = open_test_set(config)
    published = publish_test_set(config, loaded)
    assert published.dataset_file == config.cache_dir / "datasets" / f"{loaded.fingerprint}.arrow"
    mapped = open_test_set(published)
    assert mapped.fingerprint == loaded.fingerprint
    assert [r.getMessage().split(" ")[2] for r in caplog.records] == ["loaded", "mapped"]


def test_a_missing_published_copy_is_loaded_from_the_source(
    config: DashboardConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = dataclasses.replace(config, dataset_file=tmp_path / ("f" * 64 + ".arrow"))
    with caplog.at_level(logging.INFO, "champion.dashboard"):
        dataset = open_test_set(gone)
    assert dataset.n == 4
    assert "Loading the test set from its source instead" in caplog.text
    assert "test set: loaded" in caplog.text
