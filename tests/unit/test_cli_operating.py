"""``champion compare --operating-point CRITERION [--holdout-split F]``: the engine's matched
operating points in the JSON, a table and a Markdown section, and every bad value refused with
the forms it may take."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import champion
from champion.cli.operating_cmd import PointOptions
from champion.evaluation.criteria import parse_criterion
from champion.evaluation.operating import matched_points
from champion.workspace import Statistics, Workspace

from .test_cli_compare import N_BOOT, _frame, assert_clean_error, compare_args, run
from .workspace.test_analyses import scored

pytestmark = pytest.mark.cli


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


@pytest.fixture
def csv_path(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "predictions.csv"
    frame.to_csv(path, index=False)
    return path


def engine(frame: pd.DataFrame, criterion: str, **options: object) -> object:
    scores = {"initial": frame["old"].to_numpy(), "new": frame["new_score"].to_numpy()}
    found = matched_points(frame["label"].to_numpy(), scores, criterion, **options)  # type: ignore[arg-type]
    return json.loads(json.dumps(found.to_dict()))


def test_json_adds_the_engines_operating_points(csv_path: Path, frame: pd.DataFrame) -> None:
    options = ("--operating-point", "recall_at_precision:0.6", "--holdout-split", "0.5")
    result = run(*compare_args(csv_path, *options, "--seed", "2", "--format", "json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    found = data.pop("operating_points")
    assert found == engine(frame, "recall_at_precision:0.6", holdout=0.5, seed=2)
    assert found["chosen_on"] == "holdout"
    assert found["models"]["initial"]["method"] == "wilson"
    assert found["differences"]["new"]["method"] == "delta"
    expected = champion.compare(
        frame["label"].to_numpy(),
        {"initial": frame["old"].to_numpy(), "new": frame["new_score"].to_numpy()},
        n_boot=int(N_BOOT),
        random_state=2,
    )
    assert data == json.loads(json.dumps(expected.to_dict()))  # the comparison as before
    plain = json.loads(run(*compare_args(csv_path, "--format", "json")).stdout)
    assert "operating_points" not in plain


def test_without_a_holdout_the_json_says_the_points_are_optimistic(
    csv_path: Path, frame: pd.DataFrame
) -> None:
    result = run(*compare_args(csv_path, "--operating-point", "min_cost:1:5", "--format", "json"))
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["operating_points"]
    assert found == engine(frame, "min_cost:1:5")
    assert found["optimistic"] is True
    assert "optimistic" in found["note"]


@pytest.mark.parametrize("width", [None, 40, 160])
def test_the_table_output_adds_an_operating_points_table(csv_path: Path, width: int | None) -> None:
    for options in (("youden",), ("youden", "--holdout-split", "0.5")):
        args = ("--operating-point", options[0], *options[1:])
        result = run(*compare_args(csv_path, *args), width=width)
        assert result.exit_code == 0, result.output
        assert "Operating" in result.stdout
        assert "optimistic" in result.stdout  # "optimistic", or "not optimistic" with the split
        assert "Traceback" not in result.output


def test_markdown_adds_a_section(csv_path: Path) -> None:
    args = ("--operating-point", "fpr_at_recall:0.8", "--format", "markdown")
    result = run(*compare_args(csv_path, *args))
    assert result.exit_code == 0, result.output
    section = result.stdout.split("## Operating points", 1)[1]
    assert "| Model | Threshold | False positive rate [95%] | Recall reached |" in section
    assert "| initial |" in section
    assert "optimistic" in section


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--operating-point", "max_f2"), ("'max_f2'", "min_cost:FP:FN", "recall_at_precision:P")),
        (("--operating-point", "min_cost:1"), ("fpr_at_recall:R", "youden", "max_f1")),
        (("--operating-point", "fpr_at_recall:2"), ("between 0 and 1",)),
        (("--operating-point", "youden", "--holdout-split", "1.5"), ("strictly between 0",)),
        (("--operating-point", "youden", "--holdout-split", "half"), ("strictly between 0",)),
        (("--holdout-split", "0.5"), ("--holdout-split needs --operating-point",)),
    ],
)
def test_bad_values_are_refused_with_the_forms(
    csv_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    assert_clean_error(run(*compare_args(csv_path, *args)), *fragments)


def test_a_split_without_both_classes_in_each_half_says_what_to_do(tmp_path: Path) -> None:
    table = pd.DataFrame({"label": [1] + [0] * 19, "old": np.linspace(0, 1, 20)})
    table["new_score"] = table["old"][::-1].to_numpy()
    path = tmp_path / "one_positive.csv"
    table.to_csv(path, index=False)
    args = ("--operating-point", "max_f1", "--holdout-split", "0.5", "--n-boot", "0")
    assert_clean_error(run(*compare_args(path, *args)), "no positive rows", "no holdout")


def test_registered_models_go_through_the_composer_baseline_first() -> None:
    rng = np.random.default_rng(4)
    y = rng.random(300) < 0.4
    models = {
        "models:/m/1": scored("1", np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)),
        "models:/m/2": scored("2", np.clip(0.5 * y + rng.random(300) * 0.5, 0, 1)),
    }
    dataset = SimpleNamespace(labels=y.astype(int), y=y, pos_label=1, n=300, fingerprint="d" * 64)
    workspace = Workspace(SimpleNamespace(), None)  # type: ignore[arg-type]
    options = PointOptions(parse_criterion("max_f1"), 0.5)
    found = options.of_models(workspace, models, "models:/m/2", dataset, Statistics(seed=1))  # type: ignore[arg-type]
    assert found is not None
    assert list(found.points) == ["models:/m/2", "models:/m/1"]
    assert found.baseline == "models:/m/2"
    expected = matched_points(
        y,
        {"models:/m/2": models["models:/m/2"].values, "models:/m/1": models["models:/m/1"].values},
        "max_f1",
        holdout=0.5,
        seed=1,
    )
    assert found.to_dict() == expected.to_dict()
    assert PointOptions(None, None).of_models(workspace, models, "x", dataset, Statistics()) is None  # type: ignore[arg-type]
