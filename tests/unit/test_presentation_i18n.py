"""champion.presentation.i18n: English and Japanese texts, and the verdict sentence."""

from __future__ import annotations

import string

import pytest

from champion.evaluation import METRIC_NAMES, MetricDelta
from champion.presentation import LANGUAGES, TEXTS, metric_label, t, verdict_sentence, verdict_word


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    assert set(LANGUAGES) == set(TEXTS) == {"en", "ja"}
    english = TEXTS["en"]
    for lang, texts in TEXTS.items():
        assert set(texts) == set(english), lang
        for key, text in texts.items():
            assert text.strip(), (lang, key)
            assert _placeholders(text) == _placeholders(english[key]), (lang, key)


def test_titles() -> None:
    assert t("title", "ja") == "モデルの性能比較ダッシュボード"
    assert t("title", "en") == "Model comparison dashboard"


@pytest.mark.parametrize(
    ("metric", "en", "ja"),
    [
        ("accuracy", "Accuracy", "正解率"),
        ("precision", "Precision", "適合率"),
        ("recall", "Recall", "再現率"),
        ("specificity", "Specificity", "特異度"),
        ("f1", "F1", "F1スコア"),
        ("balanced_accuracy", "Balanced accuracy", "バランス正解率"),
        ("mcc", "MCC", "MCC"),
        ("roc_auc", "ROC AUC", "ROC AUC"),
        ("average_precision", "Average precision", "平均適合率"),
        ("log_loss", "Log loss", "対数損失"),
        ("brier", "Brier score", "Brierスコア"),
    ],
)
def test_metric_labels(metric: str, en: str, ja: str) -> None:
    assert metric_label(metric, "en") == en
    assert metric_label(metric, "ja") == ja


def test_every_metric_has_a_label_in_every_language() -> None:
    for lang in LANGUAGES:
        for name in METRIC_NAMES:
            assert f"metric.{name}" in TEXTS[lang], (lang, name)
    assert metric_label("no_such_metric", "ja") == "no_such_metric"


@pytest.mark.parametrize(
    ("key", "ja"),
    [
        ("axis.fpr", "偽陽性率"),
        ("axis.tpr", "真陽性率"),
        ("axis.mean_predicted", "予測確率の平均"),
        ("axis.fraction_positive", "実際の陽性率"),
        ("axis.threshold", "しきい値"),
        ("ui.overview", "概要"),
        ("ui.curves", "曲線"),
        ("ui.threshold", "しきい値"),
        ("ui.slices", "スライス"),
        ("ui.disagreements", "不一致"),
        ("ui.registry", "レジストリ"),
    ],
)
def test_japanese_words(key: str, ja: str) -> None:
    assert t(key, "ja") == ja


def test_dashboard_words_exist() -> None:
    for key in (
        "ui.model_picker",
        "ui.champion",
        "ui.challenger",
        "ui.version",
        "ui.rows",
        "ui.from_cache",
        "ui.errors",
        "ui.alerts",
        "axis.share_targeted",
        "axis.share_captured",
        "chart.roc",
        "chart.pr",
        "chart.calibration",
    ):
        assert t(key, "ja") != t(key, "en"), key  # both non-empty: checked by the parity test


def test_fallbacks() -> None:
    assert t("ui.overview", "fr") == "Overview"  # unknown language: English
    assert t("legend.prevalence", "ja", value="0.38") == "陽性率 0.38"
    with pytest.raises(KeyError):
        t("no.such.key", "en")


def test_verdict_words() -> None:
    assert verdict_word("better", "ja") == "改善"
    assert verdict_word("worse", "ja") == "悪化"
    assert verdict_word("no significant difference", "ja") == "有意差なし"
    assert verdict_word("no significant difference", "en") == "no significant difference"
    assert verdict_word("something else", "ja") == "something else"


def _delta(**changes: object) -> MetricDelta:
    fields: dict[str, object] = {
        "metric": "roc_auc",
        "delta": 0.012,
        "ci_low": -0.030,
        "ci_high": 0.050,
        "p_value": 0.61,
        "method": "delong",
        "verdict": "no significant difference",
        "reason": "",
    }
    fields.update(changes)
    return MetricDelta(**fields)  # type: ignore[arg-type]


def test_verdict_sentence_in_both_languages() -> None:
    d = _delta()
    assert verdict_sentence(d, "version 2", "champion (version 1)", 143) == (
        "version 2 vs champion (version 1): ROC AUC +0.012 [-0.030, +0.050], p = 0.610"
        " — no significant difference on 143 rows"
    )
    assert verdict_sentence(d, "version 2", "champion (version 1)", 143, lang="ja") == (
        "version 2 vs champion (version 1): ROC AUC +0.012 [-0.030, +0.050]、p = 0.610"
        " — 143 件で有意差なし"
    )


def test_verdict_sentence_significant_and_undefined() -> None:
    better = _delta(
        metric="accuracy", delta=0.05, ci_low=0.01, ci_high=0.09, p_value=0.0004, verdict="better"
    )
    assert verdict_sentence(better, "v2", "v1", 1_000_000) == (
        "v2 vs v1: Accuracy +0.050 [+0.010, +0.090], p < 0.001 — ▲ better on 1,000,000 rows"
    )
    assert verdict_sentence(better, "v2", "v1", 143, lang="ja").endswith("— 143 件で▲ 改善")
    assert "正解率" in verdict_sentence(better, "v2", "v1", 143, lang="ja")
    undefined = _delta(delta=None, ci_low=None, ci_high=None, p_value=None, verdict="undefined")
    assert (
        verdict_sentence(undefined, "v3", "v1", 143) == "v3 vs v1: ROC AUC — undefined on 143 rows"
    )
    assert (
        verdict_sentence(undefined, "v3", "v1", 143, "ja") == "v3 vs v1: ROC AUC — 143 件で判定不能"
    )
    no_ci = _delta(ci_low=None, ci_high=None)
    assert "ROC AUC +0.012, p = 0.610" in verdict_sentence(no_ci, "v2", "v1", 10)
