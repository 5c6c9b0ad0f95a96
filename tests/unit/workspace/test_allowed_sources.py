"""--allowed-source: a model whose artifacts lie elsewhere is refused before any download."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from champion.cache import ScoreCache
from champion.errors import ModelError
from champion.models.refs import ResolvedModel
from champion.workspace.scores import Scorer, ScoringPolicy


class Registry:
    tracking_uri = "http://registry"

    def __init__(self) -> None:
        self.downloads: list[str] = []

    def download(self, resolved: ResolvedModel, dst: Path) -> Path:
        self.downloads.append(resolved.download_uri)
        raise RuntimeError("stop here: the test only checks what is downloaded")


def model(where: str) -> ResolvedModel:
    return ResolvedModel("models:/m/1", "m", "1", None, None, where)


@pytest.fixture
def dataset() -> Any:
    return SimpleNamespace(fingerprint="f" * 64, pos_label=1, n=3, labels=np.array([0, 1, 1]))


@pytest.mark.parametrize("cached", [False, True])
def test_a_model_stored_elsewhere_is_not_downloaded(
    dataset: Any, tmp_path: Path, cached: bool
) -> None:
    registry = Registry()
    policy = ScoringPolicy(allowed_sources=("s3://models/", "mlflow-artifacts:/"))
    cache = ScoreCache(tmp_path) if cached else None
    scorer = Scorer(registry, cache, policy)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match=r"stored at 'file:///etc/model', outside the allowed"):
        scorer.score(model("file:///etc/model"), dataset)
    assert registry.downloads == []
    with pytest.raises(RuntimeError, match="stop here"):
        scorer.score(model("s3://models/m/1/artifacts"), dataset)
    assert registry.downloads == ["s3://models/m/1/artifacts"]


def test_without_a_list_every_source_is_allowed() -> None:
    ScoringPolicy().check_source(model("file:///anywhere"))
