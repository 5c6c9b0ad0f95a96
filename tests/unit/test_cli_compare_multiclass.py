"""``champion compare --predictions FILE --score NAME=PREFIX*``: classifiers of three or more
classes from stored probabilities, as JSON, Markdown and a table, with gates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as cli
from champion.evaluation.multiclass import compare_multiclass

pytestmark = pytest.mark.cli
CLASSES = ["adelie", "chinstrap", "gentoo"]


def _probabilities(rng: np.random.Generator, y: np.ndarray, strength: float) -> np.ndarray:
    """(n, 3) probabilities leaning towards each row's class by strength."""
    logits = rng.normal(0, 1, (y.size, 3))
    logits[np.arange(y.size), y] += strength
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(8)
    y = rng.integers(0, 3, 600)
    frame = pd.DataFrame({"species": np.array(CLASSES)[y]})
    for name, strength in (("old", 1.0), ("new", 2.0)):
        p = _probabilities(rng, y, strength)
        for k, label in enumerate(CLASSES):
            frame[f"{name}_{label}"] = p[:, k]
    frame["two_adelie"] = frame["new_adelie"] + frame["new_chinstrap"] / 2
    frame["two_gentoo"] = frame["new_gentoo"] + frame["new_chinstrap"] / 2
    path = tmp_path_factory.mktemp("multiclass") / "predictions.csv"
    frame.to_csv(path, index=False)
    return path


def flat(value: object, path: str = "") -> dict[str, object]:
    """Nested dicts and lists as {path: leaf}, for comparing numbers with a tolerance."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{path}/{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{path}[{i}]").items()}
    return {path: value}


def run(path: Path, *args: str, width: int = 80) -> Result:
    command = ["compare", "--predictions", str(path), "--target", "species", "--n-boot", "200"]
    return CliRunner().invoke(cli, [*command, *args], env={"COLUMNS": str(width)})


def test_json_equals_the_engine_on_the_same_columns(predictions: Path) -> None:
    result = run(predictions, "--score", "old=old_*", "--score", "new=new_*", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    frame = pd.read_csv(predictions)
    probas = {n: frame[[f"{n}_{c}" for c in CLASSES]].to_numpy() for n in ("old", "new")}
    expected = compare_multiclass(
        frame["species"].to_numpy(), probas, CLASSES, n_boot=200, random_state=0
    ).to_dict()
    assert data["task"] == "multiclass"
    assert data["classes"] == CLASSES
    # the same numbers (up to the last bit: the CLI's arrays are laid out on the classes' union)
    for key in ("models", "comparisons"):
        got, want = flat(data[key]), flat(expected[key])
        assert got.keys() == want.keys()
        numbers = [k for k, v in want.items() if isinstance(v, float)]
        assert [got[k] for k in numbers] == pytest.approx([want[k] for k in numbers], rel=1e-12)
        assert {k: v for k, v in got.items() if k not in numbers} == {
            k: v for k, v in want.items() if k not in numbers
        }
    assert data["notes"] == []
    assert data["comparisons"]["new"]["f1_macro"]["verdict"] == "better"


def test_a_version_missing_a_class_is_compared_on_the_union_with_a_note(
    predictions: Path,
) -> None:
    result = run(predictions, "--score", "new=new_*", "--score", "two=two_*", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["classes"] == CLASSES
    assert data["notes"] == ["two does not know class 'chinstrap': probability 0 in every row"]


@pytest.mark.parametrize("width", [40, 120])
def test_the_table_and_markdown_show_values_differences_and_the_gate(
    predictions: Path, width: int
) -> None:
    scores = ["--score", "old=old_*", "--score", "new=new_*"]
    table = run(predictions, *scores, "--gate", "f1_macro:superior", width=width)
    assert table.exit_code == 0, table.output
    assert "paired difference" in table.stdout
    assert "gate: passed - new vs old (judged alone)" in table.stdout.splitlines()
    refused = run(predictions, *scores, "--baseline", "new", "--gate", "f1_macro:not-worse")
    assert refused.exit_code == 1
    assert "the gate refused old (f1_macro:not-worse)" in refused.stderr
    markdown = run(predictions, *scores, "--format", "markdown")
    assert markdown.stdout.startswith("# Model comparison (multiclass)")
    assert "## new vs old" in markdown.stdout
    assert "| F1 (macro) |" in markdown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--score", "old=old_*", "--score", "new=new_adelie"], "a comparison is multiclass"),
        (["--score", "old=zz_*"], "--score old=zz_* matches no column"),
        (["--score", "old=*_*"], "take one *"),
        (["--score", "old=old_*", "--operating-point", "youden"], "does not have"),
        (["--score", "old=old_adelie"], "--score NAME=PREFIX*"),
    ],
)
def test_bad_input_is_explained_with_exit_2(
    predictions: Path, args: list[str], message: str
) -> None:
    result = run(predictions, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
