"""``champion report`` of three classes: each model's class probability columns (--score
NAME=PREFIX*), recorded as ``compare`` reports them, with the gate, the agreement of the
predicted classes, the slices, the classes' curves and confusion matrices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as cli

pytestmark = pytest.mark.cli
CLASSES = ("adelie", "chinstrap", "gentoo")


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1 and a better v2, both weak on island "dream"."""
    rng = np.random.default_rng(5)
    n = 600
    y = rng.integers(0, 3, n)
    island = rng.choice(["biscoe", "dream", "torgersen"], n)

    def probabilities(strength: np.ndarray) -> np.ndarray:
        logits = rng.normal(0, 1, (n, 3))
        logits[np.arange(n), y] += strength
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    frame = pd.DataFrame({"species": np.array(CLASSES)[y], "island": island})
    for name, p in (
        ("v1", probabilities(np.where(island == "dream", 0.2, 1.5))),
        ("v2", probabilities(np.where(island == "dream", 0.1, 2.5))),
    ):
        for k, label in enumerate(CLASSES):
            frame[f"{name}_{label}"] = p[:, k]
    path = tmp_path_factory.mktemp("report-mc") / "penguins.csv"
    frame.to_csv(path, index=False)
    return path


def run(predictions: Path, output: Path, *args: str) -> Result:
    command = ["report", "--predictions", str(predictions), "--target", "species"]
    command += ["--score", "v1=v1_*", "--score", "v2=v2_*", "--n-boot", "100"]
    return CliRunner().invoke(cli, [*command, "--output", str(output), *args])


def test_the_json_record_is_compares_multiclass_contract_and_more(
    predictions: Path, tmp_path: Path
) -> None:
    out = tmp_path / "record.json"
    result = run(predictions, out, "--gate", "f1_macro:non-inferior:0.02", "--slice", "island")
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())
    compare = CliRunner().invoke(
        cli,
        ["compare", "--predictions", str(predictions), "--target", "species", "--n-boot", "100",
         "--score", "v1=v1_*", "--score", "v2=v2_*", "--format", "json"],
    )  # fmt: skip
    expected = json.loads(compare.output)
    for key in ("n", "classes", "confidence", "baseline", "comparisons"):
        assert record[key] == expected[key], key
    assert record["models"]["v2"]["metrics"] == expected["models"]["v2"]["metrics"]
    assert record["models"]["v2"]["identity"]["column"] == "v2_*"
    assert record["gate"]["passed"] is True
    agreement = record["disagreements"]["v2"]
    mcnemar = record["comparisons"]["v2"]["mcnemar"]
    assert (agreement["baseline_only_correct"], agreement["challenger_only_correct"]) == (
        mcnemar["b"],
        mcnemar["c"],
    )
    assert (
        sum(agreement[k] for k in ("both_correct", "both_wrong")) + agreement["disagreeing"] == 600
    )
    assert record["slices"]["column"] == "island"
    assert record["slices"]["metric"] == "f1_macro"  # the gate's metric
    assert [c["rows"] for c in record["dataset"]["class_balance"]] == sorted(
        (c["rows"] for c in record["dataset"]["class_balance"]), reverse=True
    )
    assert record["dataset"]["pos_label"] is None


def test_a_refusing_gate_exits_1_and_the_markdown_says_why(
    predictions: Path, tmp_path: Path
) -> None:
    out = tmp_path / "record.md"
    result = run(predictions, out, "--gate", "f1_macro:superior", "--baseline", "v2")
    assert result.exit_code == 1, result.output
    text = out.read_text()
    assert "Gate refused: v1 (f1_macro:superior)." in text
    assert "## Model comparison (multiclass)" in text
    assert "## Disagreements" in text
    assert "Only one of v1 and v2 is right on" in text
    assert "Positive label" not in text


def test_the_html_draws_classes_and_curves(predictions: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.html"
    assert run(predictions, out, "--slice", "island", "--lang", "ja").exit_code == 0
    text = out.read_text()
    # bars, F1 by class, two confusion matrices, one change, macro ROC and PR, slices
    assert text.count('<script type="application/json" data-figure=') == 8
    assert 'id="classes"' in text
    assert 'id="threshold"' not in text  # no threshold to move
    assert "最も確率の高いクラスを予測" in text


def test_a_pattern_for_a_two_class_target_or_a_plain_column_for_three(
    predictions: Path, tmp_path: Path
) -> None:
    out = tmp_path / "record.json"
    command = ["report", "--predictions", str(predictions), "--target", "species"]
    plain = CliRunner().invoke(cli, [*command, "--score", "a=v1_adelie", "-o", str(out)])
    assert plain.exit_code == 2
    assert "has 3 classes" in plain.output
    assert not out.exists()
