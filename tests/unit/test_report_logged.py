"""What ``evaluate --log`` and ``report --log`` hand to MLflow from a decision record: the
figures by name (the HTML record's builders, every model overlaid, user texts inert), the HTML
of one model, the file as written with the record's JSON, and the run's name, tags and params.
``report --log`` without a tracking server stops before any work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import champion
from champion.cli.main import champion as cli
from champion.evaluation import Comparison, evaluate_gates, parse_rules
from champion.evaluation.multiclass import compare_multiclass
from champion.evaluation.multiclass.curves import class_curves
from champion.reports.collect import new_record
from champion.reports.figures import file_name, model_names, record_figures
from champion.reports.logged import evaluation_artifacts, report_path, report_run
from champion.reports.record import DatasetInfo, DecisionRecord, ModelInfo
from champion.reports.text import title_line
from champion.reports.write import render

HOSTILE = "<b>x</b>&co"
CLASSES = ["ant", "bee", "cat"]


def dataset_of(y: np.ndarray, pos_label: Any = 1) -> DatasetInfo:
    summary = {"fingerprint": "f" * 64, "rows": len(y), "source": "scores.csv", "recipe": None,
               "target": "y"}  # fmt: skip
    labels, counts = np.unique(y, return_counts=True)
    balance = tuple((label.item(), int(c)) for label, c in zip(labels, counts, strict=True))
    return DatasetInfo(summary, pos_label, balance)


def binary_record(names: tuple[str, ...], rules: tuple[str, ...] = ()) -> DecisionRecord:
    rng = np.random.default_rng(5)
    n = 400
    y = rng.integers(0, 2, n)
    shared = rng.normal(0, 1, n)
    scores = {name: shared + rng.normal(0, 1, n) + (0.6 + 0.3 * i) * y
              for i, name in enumerate(names)}  # fmt: skip
    cmp = champion.compare(y, scores, n_boot=0)
    deltas = {name: c.deltas for name, c in cmp.comparisons.items()}
    gate = evaluate_gates(deltas, parse_rules(list(rules))) if rules else None
    models = {
        name: ModelInfo(name, uri=name, name="titanic", version=str(i + 1), model_id=f"m-{i}")
        for i, name in enumerate(names)
    }
    return new_record(cmp, dataset_of(y), models, gate, gate_rules=rules,
                      registered_model="titanic", champion="1")  # fmt: skip


def single_record() -> DecisionRecord:
    """One model, as evaluate records it: a Comparison without challengers."""
    full = binary_record(("models:/titanic/2",))
    report = full.comparison.models["models:/titanic/2"]
    cmp = Comparison(baseline="models:/titanic/2", models={"models:/titanic/2": report},
                     comparisons={})  # fmt: skip
    return new_record(cmp, full.dataset, full.models)


def multiclass_record(names: tuple[str, ...], curves: bool = True) -> DecisionRecord:
    rng = np.random.default_rng(11)
    n = 300
    codes = rng.integers(0, 3, n)
    y = np.array(CLASSES)[codes]
    probas = {}
    for i, name in enumerate(names):
        logits = rng.normal(0, 1, (n, 3)) + (1.0 + 0.5 * i) * np.eye(3)[codes]
        probas[name] = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    cmp = compare_multiclass(y, probas, CLASSES, n_boot=50, random_state=0)
    found = {name: class_curves(list(y), p, CLASSES) for name, p in probas.items()}
    models = {name: ModelInfo(name) for name in names}
    return new_record(cmp, dataset_of(y, None), models, None, curves=found if curves else None)


def model_curves(figure: Any) -> dict[str, Any]:
    """A figure's model curves: lines in a model's legend group."""
    return {tr.legendgroup: tr for tr in figure.data if tr.mode == "lines" and tr.legendgroup}


def test_binary_figures_overlay_every_model() -> None:
    names = ("models:/titanic/1", "models:/titanic/2", "models:/titanic/3")
    figures = record_figures(binary_record(names))
    assert list(figures) == ["metrics", "roc", "pr", "calibration", "gain"]
    for kind in ("roc", "pr", "gain"):
        assert set(model_curves(figures[kind])) == set(names), kind
    shown = json.dumps(figures["calibration"].to_plotly_json(), default=str)
    assert all(name in shown for name in names)


def test_one_model_figures_and_its_html_record() -> None:
    record = single_record()
    assert title_line(record, "en") == "models:/titanic/2 on 400 rows"
    assert title_line(record, "ja") == "models:/titanic/2（400 行）"
    artifacts = evaluation_artifacts(record)
    assert list(artifacts.figures) == ["metrics", "roc", "pr", "calibration", "gain"]
    assert set(model_curves(artifacts.figures["roc"])) == {"models:/titanic/2"}
    assert list(artifacts.texts) == ["champion/report.html"]
    html = artifacts.texts["champion/report.html"]
    assert html.startswith("<!DOCTYPE html>")
    assert "models:/titanic/2 on 400 rows" in html
    assert " vs " not in html.split("<title>")[1].split("</title>")[0]
    # slices and disagreements are about challengers: a record of one model has neither
    assert '<section id="slices">' not in html
    assert '<section id="disagreements">' not in html
    assert '<section id="metrics">' in html


def test_multiclass_figures() -> None:
    names = ("models:/penguins/1", "models:/penguins/2", "models:/penguins/3")
    figures = record_figures(multiclass_record(names))
    assert list(figures) == [
        "metrics",
        "per-class-f1",
        "confusion-penguins-1",
        "confusion-penguins-2",
        "confusion-penguins-3",
        "confusion-change-penguins-2",
        "confusion-change-penguins-3",
        "roc-macro",
        "pr-macro",
    ]
    for kind in ("roc", "pr"):
        assert set(model_curves(figures[f"{kind}-macro"])) == set(names)
    one = record_figures(multiclass_record(("models:/penguins/2",)))
    assert list(one) == ["metrics", "per-class-f1", "confusion", "roc-macro", "pr-macro"]
    without = record_figures(multiclass_record(("a", "b"), curves=False))
    assert set(without).isdisjoint({"roc-macro", "pr-macro"})


def test_figures_keep_the_html_records_names() -> None:
    """Each logged figure is one the HTML record draws (its data-name, spaces as hyphens)."""
    for record in (binary_record(("a", "b")), multiclass_record(("a", "b"))):
        html = render(record, "html")
        drawn = {part.split('"')[0].replace(" ", "-") for part in html.split('data-name="')[1:]}
        assert set(record_figures(record)) <= drawn


def test_user_texts_are_inert_in_the_figures() -> None:
    figures = record_figures(binary_record(("base", HOSTILE)))
    shown = json.dumps(figures["roc"].to_plotly_json(), default=str)
    assert "&lt;b&gt;x&lt;/b&gt;&amp;co" in shown
    assert HOSTILE not in shown
    assert set(model_curves(figures["roc"])) == {"base", "&lt;b&gt;x&lt;/b&gt;&amp;co"}


@pytest.mark.parametrize(
    ("labels", "names"),
    [
        (["models:/penguins/2"], ["penguins-2"]),
        (["runs:/abc/model"], ["runs-abc-model"]),
        (["v 1", "v/1", "v:1"], ["v-1", "v-1-2", "v-1-3"]),
        (["///", "..."], ["model", "model-2"]),
    ],
)
def test_model_file_names(labels: list[str], names: list[str]) -> None:
    assert list(model_names(labels).values()) == names
    assert file_name(labels[0]) == names[0]


def test_report_run_names_tags_params_and_files() -> None:
    names = ("models:/titanic/1", "models:/titanic/2")
    record = binary_record(names, ("roc_auc:superior", "f1:not-worse"))
    text = render(record, "markdown")
    run = report_run(record, "markdown", text)
    assert run.run_name == "report titanic v2 vs v1"
    assert run.artifacts.texts == {
        "champion/report.md": text,
        "champion/record.json": render(record, "json"),
    }
    assert list(run.artifacts.figures) == ["metrics", "roc", "pr", "calibration", "gain"]
    assert run.tags["champion.gate"] == ("passed" if record.passed else "refused")
    assert run.tags["champion.baseline"] == "models:/titanic/1"
    assert run.tags["champion.models"] == "models:/titanic/1, models:/titanic/2"
    assert run.tags["champion.dataset_fingerprint"] == "f" * 64
    assert run.tags["champion.model_name"] == "titanic"
    assert run.tags["champion.champion_version"] == "1"
    assert run.params["gate"] == "roc_auc:superior; f1:not-worse"
    assert run.params["threshold"] == "0.5"
    assert "recipe" not in run.params  # none was used
    assert run.model_ids == ("m-0", "m-1")
    assert "on 400 rows" in run.note
    assert [report_path(f) for f in ("html", "markdown", "json")] == [
        "champion/report.html",
        "champion/report.md",
        "champion/report.json",
    ]


def test_report_run_of_one_model_and_of_multiclass() -> None:
    one = report_run(single_record(), "json", "{}")
    assert one.run_name == "report models:/titanic/2"
    assert one.tags["champion.gate"] == "none"
    mc = report_run(multiclass_record(("a", "b")), "html", "<html>")
    assert mc.run_name == "report b vs a"
    assert mc.params["task"] == "multiclass"
    assert "threshold" not in mc.params
    assert set(mc.artifacts.texts) == {"champion/report.html", "champion/record.json"}


def test_without_plotly_the_report_run_has_no_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("champion.reports.logged.figures_available", lambda: False)
    run = report_run(binary_record(("a", "b")), "json", "{}")
    assert run.artifacts.figures == {}
    assert set(run.artifacts.texts) == {"champion/report.json", "champion/record.json"}


@pytest.mark.cli
def test_report_log_needs_a_tracking_server_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    frame = pd.DataFrame({"y": [0, 1, 0, 1], "a": [0.1, 0.8, 0.3, 0.6]})
    frame.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "r.json"
    command = ["report", "--predictions", str(tmp_path / "p.csv"), "--target", "y",
               "--score", "a=a", "--output", str(out), "--log"]  # fmt: skip
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert "no tracking server given" in result.output
    assert not out.exists()
