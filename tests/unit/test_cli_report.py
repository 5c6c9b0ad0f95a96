"""``champion report``: a comparison of stored predictions written as a decision record; the
format from the file's extension, exit 0 / 1 / 2 for a passing gate, a refusing one and bad
input, the JSON record, and a self-contained, escaped HTML file."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as cli

pytestmark = pytest.mark.cli
HOSTILE = "<script>alert('x')</script>&co"


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A baseline, a challenger clearly better overall but much worse on one slice (group
    "b"), one drawn like the baseline, and a numeric column."""
    rng = np.random.default_rng(7)
    n = 900
    y = rng.integers(0, 2, n)
    group = rng.choice(["a", "b", "c"], n)
    shared = rng.normal(0, 1, n)
    signal = np.where(group == "b", 0.1, 2.4)

    def probability(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))

    frame = pd.DataFrame(
        {
            "label": y,
            "group": group,
            "age": rng.uniform(0, 90, n).round(1),
            "base": probability(shared + rng.normal(0, 1, n) + 0.9 * (2 * y - 1)),
            "new": probability(shared + rng.normal(0, 1, n) + signal * (2 * y - 1)),
            "equal": probability(shared + rng.normal(0, 1, n) + 0.9 * (2 * y - 1)),
        }
    )
    path = tmp_path_factory.mktemp("report") / "predictions.csv"
    frame.to_csv(path, index=False)
    return path


def run(predictions: Path, output: Path, *args: str, models: tuple[str, ...] = ()) -> Result:
    chosen = models or ("base=base", "new=new")
    scores = [a for m in chosen for a in ("--score", m)]
    command = ["report", "--predictions", str(predictions), "--target", "label"]
    command += ["--n-boot", "0", *scores, "--output", str(output), *args]
    return CliRunner().invoke(cli, command)


def test_a_passing_gate_exits_0_and_writes_the_json_record(
    predictions: Path, tmp_path: Path
) -> None:
    out = tmp_path / "record.json"
    result = run(predictions, out, "--gate", "roc_auc:not-worse", "--slice", "group")
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (json, gate passed)" in result.output
    record = json.loads(out.read_text())
    # the contract of compare --format json, with the same numbers
    compare = CliRunner().invoke(
        cli,
        ["compare", "--predictions", str(predictions), "--target", "label", "--n-boot", "0",
         "--score", "base=base", "--score", "new=new", "--format", "json"],
    )  # fmt: skip
    expected = json.loads(compare.output)
    for key in ("n", "positives", "threshold", "confidence", "baseline", "comparisons"):
        assert record[key] == expected[key], key
    for name in ("base", "new"):
        assert record["models"][name]["metrics"] == expected["models"][name]["metrics"]
        assert record["models"][name]["identity"]["column"] == name
    assert record["gate"]["passed"] is True
    assert record["gate"]["rules"] == ["roc_auc:not-worse"]
    assert record["gate"]["challengers"]["new"]["rules"][0]["passed"] is True
    dataset = record["dataset"]
    assert re.fullmatch(r"[0-9a-f]{64}", dataset["fingerprint"])
    assert dataset["rows"] == 900
    assert dataset["target"] == "label"
    assert sum(c["rows"] for c in dataset["class_balance"]) == 900
    assert {c["label"] for c in dataset["class_balance"]} == {0, 1}
    assert record["champion"] == {"model": None, "version": None}
    assert record["disagreements"]["new"]["disagreeing"] > 0
    created = datetime.fromisoformat(record["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert datetime.now(UTC) - created < timedelta(minutes=5)
    slices = record["slices"]
    assert slices["column"] == "group"
    assert slices["metric"] == "roc_auc"
    assert slices["worst"]["new"]["label"] == "b"  # built to lose there


def test_a_refusing_gate_exits_1_after_writing_the_file(predictions: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.html"
    models = ("base=base", "equal=equal")
    result = run(predictions, out, "--gate", "roc_auc:superior", models=models)
    assert result.exit_code == 1, result.output
    assert "gate refused" in result.output
    assert "roc_auc:superior: failed" in result.output  # each rule's reason, as compare says
    text = out.read_text()
    assert "Gate refused: equal (roc_auc:superior)." in text
    assert [p.name for p in tmp_path.iterdir()] == ["record.html"]  # no temporary file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--score", "other=nope"], "score column 'nope' not found"),
        (["--baseline", "other"], "--baseline 'other' is not one of the models"),
        (["--gate", "roc_auc:better"], "cannot read the gate rule"),
        (["--slice", "nope"], "no column 'nope' in the test set"),
        (["--score", "v1=v1_*"], "a comparison is multiclass"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    predictions: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "record.json"
    result = run(predictions, out, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_a_file_of_unknown_kind_needs_format(predictions: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.txt"
    result = run(predictions, out)
    assert result.exit_code == 2
    assert "cannot tell the format" in result.output
    assert "--format" in result.output
    assert not out.exists()
    assert run(predictions, out, "--format", "markdown").exit_code == 0
    assert out.read_text().startswith("# Decision record: new vs base")


def test_a_missing_folder_exits_2(predictions: Path, tmp_path: Path) -> None:
    result = run(predictions, tmp_path / "no" / "such" / "record.md")
    assert result.exit_code == 2
    assert "no folder" in result.output


def test_the_format_follows_the_extension(predictions: Path, tmp_path: Path) -> None:
    for name, start in [("r.md", "# Decision record"), ("r.htm", "<!DOCTYPE html>"),
                        ("r.HTML", "<!DOCTYPE html>"), ("r.json", "{")]:  # fmt: skip
        assert run(predictions, tmp_path / name).exit_code == 0
        assert (tmp_path / name).read_text().startswith(start), name
    markdown = (tmp_path / "r.md").read_text()
    assert markdown.rstrip().endswith("`r.html`")  # the HTML report beside it
    named = tmp_path / "named.md"
    assert run(predictions, named, "--html-name", "decision.html").exit_code == 0
    assert named.read_text().rstrip().endswith("`decision.html`")


def test_an_existing_file_is_replaced(predictions: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.md"
    out.write_text("old")
    assert run(predictions, out).exit_code == 0
    assert out.read_text().startswith("# Decision record")
    assert [p.name for p in tmp_path.iterdir()] == ["record.md"]


class Addresses(HTMLParser):
    """Every src / href of the page's elements, and its meta tags."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.metas: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.addresses += [value or "" for name, value in attrs if name in ("src", "href")]
        if tag == "meta":
            self.metas.append(dict(attrs))


def test_html_is_self_contained_and_escapes_user_text(predictions: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.html"
    models = ("base=base", f"{HOSTILE}=new")
    result = run(predictions, out, "--gate", "roc_auc:not-worse", "--slice", "group",
                 models=models)  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert HOSTILE not in text  # escaped in the page, \u003c-escaped in the figures' JSON
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;co" in text
    parser = Addresses()
    parser.feed(text)
    assert parser.addresses == ["data:,"]  # the empty icon, nothing else
    policy = next(
        m["content"] for m in parser.metas if m.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy is not None
    assert "default-src 'none'" in policy
    assert len(re.findall(r"'sha256-[A-Za-z0-9+/]+=*'", policy)) == 2
    assert text.count("Plotly.newPlot") == 1
    assert text.count("plotly.js v") == 1  # plotly.js inline, once
    # bars, ROC, PR, calibration, gain, metrics by threshold, slices: each one JSON block
    assert text.count('<script type="application/json" data-figure=') == 7


def test_japanese_html(predictions: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.html"
    assert run(predictions, out, "--lang", "ja").exit_code == 0
    text = out.read_text()
    assert '<html lang="ja">' in text
    assert "判断記録" in text
    assert "テストデータ" in text
