"""Background work of the dashboard's backend: any failure ends the job with its message, the
page reports it once, and the next request tries again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from champion.dashboard.backend import DashboardBackend
from champion.dashboard.config import DashboardConfig
from champion.errors import ChampionError
from champion.workspace.results import ResultStore


class FlakyWorkspace:
    """Scores nothing: the first scoring fails with an unexpected error (as a malformed
    worker result would), later ones with the error given, or succeed."""

    def __init__(self, root: Path) -> None:
        self.attempts = 0
        self.error: Exception | None = ValueError("worker result has no 'scores'")
        self.scorer = type("S", (), {"results": ResultStore(root)})()

    def cached(self, uri: str, dataset: Any) -> None:
        return None

    def score(self, uri: str, dataset: Any) -> Any:
        self.attempts += 1
        if self.error is not None:
            raise self.error
        raise ChampionError("scored")  # not the point here: a second, explained failure

    def jobs(self, dataset: Any) -> list[Any]:
        return []


@pytest.fixture
def backend(tmp_path: Path) -> tuple[DashboardBackend, FlakyWorkspace]:
    data = tmp_path / "test.csv"
    data.write_text("x,label\n0.1,0\n0.9,1\n0.4,0\n0.7,1\n")
    config = DashboardConfig(
        tracking_uri="sqlite:///:memory:", model_name="m", data_source=str(data), target="label"
    )
    workspace = FlakyWorkspace(tmp_path / "cache")
    return DashboardBackend(config, workspace=workspace), workspace  # type: ignore[arg-type]


def settle(backend: DashboardBackend) -> None:
    deadline = time.monotonic() + 30
    while backend._queued and time.monotonic() < deadline:
        time.sleep(0.02)


def test_an_unexpected_failure_ends_the_job_is_reported_once_and_retried(
    backend: tuple[DashboardBackend, FlakyWorkspace],
) -> None:
    served, workspace = backend
    assert served.scored("1") is None  # queued
    settle(served)
    with pytest.raises(ChampionError, match=r"unexpected ValueError: worker result has no"):
        served.scored("1")  # reported once, with what happened
    assert workspace.attempts == 1
    assert served.scored("1") is None  # the next request tries again
    settle(served)
    assert workspace.attempts == 2
