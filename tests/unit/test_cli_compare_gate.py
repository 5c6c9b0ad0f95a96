"""``champion compare --gate RULE --adjust ...``: every challenger gated, exit 1 on a refusal."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

import champion
from champion.cli.main import champion as cli
from champion.evaluation import evaluate_gates, parse_rules

pytestmark = pytest.mark.cli
MODELS = ("base", "strong", "slight", "equal")


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A baseline, a clearly better model, a slightly better one (significant alone but not
    after Holm across the three challengers) and one drawn like the baseline."""
    rng = np.random.default_rng(4)
    n = 800
    y = rng.integers(0, 2, n)
    shared = rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "y": y,
            "base": shared + rng.normal(0, 1, n) + 0.8 * y,
            "strong": shared + rng.normal(0, 1, n) + 1.6 * y,
            "slight": shared + rng.normal(0, 1, n) + 1.0 * y,
            "equal": shared + rng.normal(0, 1, n) + 0.8 * y,
        }
    )
    path = tmp_path_factory.mktemp("gate") / "predictions.csv"
    frame.to_csv(path, index=False)
    return path


def run(path: Path, *args: str, models: tuple[str, ...] = MODELS) -> Result:
    scores = [a for m in models for a in ("--score", f"{m}={m}")]
    command = ["compare", "--predictions", str(path), "--target", "y", "--n-boot", "0", *scores]
    return CliRunner().invoke(cli, [*command, *args])


def _expected(path: Path, rules: list[str], adjust: str) -> dict[str, bool]:
    frame = pd.read_csv(path)
    cmp = champion.compare(
        frame["y"].to_numpy(), {m: frame[m].to_numpy() for m in MODELS},
        n_boot=0,
    )  # fmt: skip
    deltas = {name: c.deltas for name, c in cmp.comparisons.items()}
    verdicts = evaluate_gates(deltas, parse_rules(rules), adjust=adjust)  # type: ignore[arg-type]
    return {name: v.passed for name, v in verdicts.items()}


def test_a_gate_every_challenger_passes_exits_0_with_the_verdicts_in_json(
    predictions: Path,
) -> None:
    result = run(predictions, "--gate", "roc_auc:not-worse", "--format", "json")
    assert result.exit_code == 0, result.output
    gate = json.loads(result.output)["gate"]
    assert gate["passed"] is True
    assert gate["baseline"] == "base"
    assert set(gate["challengers"]) == {"strong", "slight", "equal"}
    rule = gate["challengers"]["strong"]["rules"][0]
    assert rule["rule"] == "roc_auc:not-worse"
    assert rule["p_value"] is not None
    assert gate["challengers"]["strong"]["adjustment"] == {"method": "holm", "family": 3}


def test_holm_refuses_what_alone_would_pass_and_exits_1(predictions: Path) -> None:
    rules = ["roc_auc:superior"]
    alone = _expected(predictions, rules, "none")
    together = _expected(predictions, rules, "holm")
    assert alone == {"strong": True, "slight": True, "equal": False}  # built for this
    assert together == {"strong": True, "slight": False, "equal": False}
    refused = run(predictions, "--gate", "roc_auc:superior", "--format", "json")
    assert refused.exit_code == 1
    data = json.loads(refused.stdout)
    assert data["gate"]["passed"] is False
    assert {n: v["passed"] for n, v in data["gate"]["challengers"].items()} == together
    assert "the gate refused slight (roc_auc:superior); equal (roc_auc:superior)" in refused.stderr
    two = ("base", "strong", "slight")
    passed = run(predictions, "--gate", "roc_auc:superior", "--adjust", "none", models=two)
    assert passed.exit_code == 0, passed.output
    assert "gate: passed - slight vs base (judged alone)" in passed.output


@pytest.mark.parametrize("width", ["40", "120"])
def test_the_table_and_markdown_say_each_rule_and_how_it_was_judged(
    predictions: Path, width: str
) -> None:
    result = CliRunner().invoke(
        cli,
        ["compare", "--predictions", str(predictions), "--target", "y", "--n-boot", "0",
         "--score", "base=base", "--score", "strong=strong", "--score", "slight=slight",
         "--score", "equal=equal",
         "--gate", "roc_auc:superior", "--gate", "brier:not-worse"],
        env={"COLUMNS": width},
    )  # fmt: skip
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "gate: FAILED - slight vs base (judged Holm across 3 challengers)" in lines
    assert any(line.startswith("  roc_auc:superior: failed: ROC AUC difference") for line in lines)
    markdown = run(predictions, "--gate", "roc_auc:superior", "--format", "markdown")
    assert markdown.exit_code == 1
    assert "## Gate" in markdown.stdout
    assert "- **strong** vs base: ✅ passed, Holm across 3 challengers" in markdown.stdout
    assert "- **slight** vs base: ❌ failed, Holm across 3 challengers" in markdown.stdout


def test_one_challenger_is_judged_alone_and_bad_rules_exit_2(predictions: Path) -> None:
    one = run(predictions, "--gate", "roc_auc:superior", "--format", "json",
              models=("base", "slight"))  # fmt: skip
    assert one.exit_code == 0, one.output
    verdict = json.loads(one.stdout)["gate"]["challengers"]["slight"]
    assert verdict["adjustment"] == {"method": "none", "family": 1}
    bad = run(predictions, "--gate", "auc:better")
    assert bad.exit_code == 2
    assert "cannot read the gate rule 'auc:better'" in bad.stderr
    wrong = run(predictions, "--gate", "roc_auc:superior", "--adjust", "bonferroni")
    assert wrong.exit_code == 2
