"""Display texts in English and Japanese, and the verdict sentence built from a MetricDelta.

``t(key, lang)`` looks a text up; a language it does not know, or a key missing from that
language, falls back to English. Texts with ``{placeholders}`` are filled with ``str.format``.
"""

from __future__ import annotations

from champion.evaluation import METRICS, MetricDelta
from champion.presentation import i18n_exports, i18n_multiclass, i18n_report, i18n_spark
from champion.presentation.tables import fmt_number, fmt_p, mark

LANGUAGES: tuple[str, ...] = ("en", "ja")
DEFAULT_LANGUAGE = "en"

_EN: dict[str, str] = {
    "title": "Model comparison dashboard",
    # metrics (METRICS names)
    "metric.accuracy": "Accuracy",
    "metric.precision": "Precision",
    "metric.recall": "Recall",
    "metric.specificity": "Specificity",
    "metric.f1": "F1",
    "metric.balanced_accuracy": "Balanced accuracy",
    "metric.mcc": "MCC",
    "metric.roc_auc": "ROC AUC",
    "metric.average_precision": "Average precision",
    "metric.log_loss": "Log loss",
    "metric.brier": "Brier score",
    # axes
    "axis.fpr": "False positive rate",
    "axis.tpr": "True positive rate",
    "axis.precision": "Precision",
    "axis.recall": "Recall",
    "axis.mean_predicted": "Mean predicted probability",
    "axis.fraction_positive": "Fraction positive",
    "axis.share_targeted": "Share of rows targeted",
    "axis.share_captured": "Share of positives captured",
    "axis.threshold": "Threshold",
    "axis.value": "Value",
    "axis.metric": "Metric",
    "axis.version": "Version",
    "axis.actual": "Actual",
    "axis.predicted": "Predicted",
    "axis.count": "Rows",
    # chart titles
    "chart.metrics": "Metrics (error bars: {level} confidence interval)",
    "chart.roc": "ROC curve",
    "chart.pr": "Precision–recall curve",
    "chart.calibration": "Calibration (reliability diagram)",
    "chart.gain": "Cumulative gain",
    "chart.threshold_metrics": "Metrics by threshold",
    "chart.confusion_of": "Confusion matrix — {model} at threshold {threshold}",
    "chart.trend": "{metric} by registered version",
    # legend entries and notes in figures
    "legend.chance": "Chance",
    "legend.perfect_calibration": "Perfectly calibrated",
    "legend.prevalence": "Prevalence {value}",
    "legend.random": "Random targeting",
    "legend.ideal": "Ideal model",
    "legend.labels_only": "{model} — curves unavailable (labels only)",
    "hover.threshold": "threshold",
    "hover.at_threshold": "at threshold {threshold}",
    "hover.vs_baseline": "vs {baseline}",
    "note.labels_only": "Curves unavailable for {models}: labels only, no scores",
    "note.no_probabilities": "Not shown, scores are not probabilities: {models}",
    "note.undefined_values": "Undefined (not drawn): {items}",
    "note.undefined": "undefined",
    "note.undefined_because": "{note}",
    "word.positive": "Positive",
    "word.negative": "Negative",
    "confusion.tn": "True negative",
    "confusion.fp": "False positive",
    "confusion.fn": "False negative",
    "confusion.tp": "True positive",
    # verdicts
    "verdict.better": "better",
    "verdict.worse": "worse",
    "verdict.no significant difference": "no significant difference",
    "verdict.undefined": "undefined",
    "sentence.verdict": "{challenger} vs {baseline}: {metric}{numbers} — {verdict} on {n} rows",
    # dashboard words
    "ui.overview": "Overview",
    "ui.curves": "Curves",
    "ui.threshold": "Threshold",
    "ui.slices": "Slices",
    "ui.disagreements": "Disagreements",
    "ui.registry": "Registry",
    "ui.model_picker": "Models to compare",
    "dropdown.select_all": "Select all",
    "dropdown.deselect_all": "Deselect all",
    "dropdown.selected_count": "{num_selected} selected",
    "dropdown.search": "Search",
    "dropdown.clear_search": "Clear search",
    "dropdown.clear_selection": "Clear selection",
    "dropdown.no_options_found": "No options found",
    "login.title": "log in",
    "login.name": "Name",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.expired": "The form expired; please log in again.",
    "login.wrong": "Wrong name or password.",
    "login.throttled": "Too many failed logins. Try again in {minutes} min.",
    "ui.read_only": "read-only",
    "ui.read_only_hint": "Start the dashboard with --users FILE to let operators log in.",
    "ui.log_out": "Log out",
    "ui.baseline_picker": "Baseline",
    "ui.language": "Language",
    "ui.champion": "champion",
    "ui.challenger": "challenger",
    "ui.baseline": "baseline",
    "ui.version": "version",
    "ui.job_scoring": "scoring {share}",
    "ui.job_pair": "computing intervals",
    "ui.job_slices": "computing slices",
    "ui.job_operating": "computing operating points",
    "ui.alias": "alias",
    "ui.model": "Model",
    "ui.metric": "Metric",
    "ui.value": "Value",
    "ui.difference": "Difference",
    "ui.confidence_interval": "Confidence interval",
    "ui.p_value": "p-value",
    "ui.verdict": "Verdict",
    "ui.rows": "rows",
    "ui.positives": "positives",
    "ui.test_set": "Test set",
    "ui.from_cache": "from cache",
    "ui.scored_now": "scored now",
    "ui.loading": "Loading…",
    "ui.no_models": "Select at least one model.",
    "ui.errors": "Errors",
    "ui.alerts": "Alerts",
    "ui.warnings": "Warnings",
    "ui.notes": "Notes",
    "ui.created": "Created",
    "ui.run": "Run",
    "ui.open_run": "open in MLflow",
    "ui.slice_column": "Slice by",
    "ui.slice_metric": "Metric",
    "ui.bins": "Quantile bins",
    "ui.slice": "Slice",
    "ui.worst_slice": "Worst slice",
    "ui.no_loss": "No slice is significantly worse for {model} than for {baseline} on {metric} "
    "(Holm-adjusted across {judged} slices; slices under {min_rows} rows or {min_class} of a "
    "class are not judged).",
    "ui.loses_most": "{model} is significantly worse on {slice}: {metric} {delta} on {rows} rows "
    "(Holm-adjusted p = {p} across {judged} slices).",
    "ui.slice_small": "too few rows to judge",
    "ui.holm_caption": "{n} challengers: a difference is marked better or worse only when its "
    "p-value adjusted by Holm across the challengers is below {alpha} (raw and adjusted p shown).",
    "ui.holm_reason": "Holm-adjusted across the challengers: {p}",
    "ui.p_holm": "p (Holm)",
    "chart.slices": "{metric} by {column}",
    "ui.challenger_picker": "Challenger",
    "ui.need_two": "Select the champion and at least one challenger.",
    "ui.agreement_title": "Agreement at threshold {threshold} ({rows} rows)",
    "ui.both_correct": "both correct",
    "ui.only_correct": "only {model} correct",
    "ui.both_wrong": "both wrong",
    "ui.disagreeing": "{count} rows where {a} and {b} predict different classes",
    "ui.label": "label",
    "ui.score_of": "score {model}",
    "ui.operating_point": "Operating point finder",
    "ui.criterion": "Criterion",
    "ui.crit_cost": "Minimum cost",
    "ui.crit_precision": "Recall at precision ≥",
    "ui.crit_recall": "False positive rate at recall ≥",
    "ui.crit_youden": "Youden's J",
    "ui.crit_f1": "Maximum F1",
    "ui.cost_fp": "Cost of a false positive",
    "ui.cost_fn": "Cost of a false negative",
    "ui.constraint": "Minimum",
    "ui.op_threshold": "Threshold",
    "ui.op_objective": "Objective",
    "ui.op_unmet": "not reachable",
    "ui.use_threshold": "Move the slider to {model}'s threshold",
    "ui.op_matched": "Each version at its own threshold: {quantity} with its {level} interval",
    "ui.op_holdout": "Choose each threshold on half of the rows, report on the other half",
    "ui.op_optimistic": (
        "Each threshold is chosen and reported on the same {rows} rows: the values are "
        "optimistic (the best threshold for these rows, partly for their noise) and the "
        "intervals cover less often than they say. Turn on the holdout above to choose on half "
        "of the rows and report on the other half."
    ),
    "ui.op_held_out": (
        "Each threshold is chosen on {choose} rows and reported on the other {report} (a "
        "holdout split, stratified by class): not optimistic, on fewer rows."
    ),
    "ui.op_reached": "{metric} reached",
    "ui.op_delta": "Δ vs {baseline} [{level}]",
    "ui.op_chosen_on": "chosen on {rows} rows",
    "ui.q_mean_cost": "Mean cost per row",
    "ui.q_youden_j": "Youden's J",
    "act.promote": "Promote…",
    "act.rollback": "Roll back…",
    "act.pick": "version to promote",
    "act.read_only": "Read-only: log in as an operator to promote or roll back.",
    "act.history": "History of @champion",
    "act.no_history": "No alias change recorded yet.",
    "act.history_problems": "History check: {problems}",
    "act.reason": "Reason (recorded in the history)",
    "act.typed": "Type the version number ({version}) again to confirm",
    "act.force": "Promote although the gate fails (recorded as forced)",
    "act.cancel": "Cancel",
    "act.confirm": "Confirm",
    "act.title_promote": "Promote: version {version}",
    "act.title_rollback": "Roll back: version {version}",
    "act.gate": "Gate {result}: version {challenger} vs version {champion} on {rows} rows",
    "act.passed": "passed",
    "act.failed": "FAILED",
    "act.pass": "pass",
    "act.fail": "FAIL",
    "act.pick_first": "Pick a version to promote first.",
    "act.type_to_confirm": "Type {version} to confirm; nothing was changed.",
    "act.need_reason": "Give a reason; it is recorded in the history.",
    "ui.grid_cap": " (grid: the {rows} with the largest score difference)",
}

_JA: dict[str, str] = {
    "title": "モデルの性能比較ダッシュボード",
    "metric.accuracy": "正解率",
    "metric.precision": "適合率",
    "metric.recall": "再現率",
    "metric.specificity": "特異度",
    "metric.f1": "F1スコア",
    "metric.balanced_accuracy": "バランス正解率",
    "metric.mcc": "MCC",
    "metric.roc_auc": "ROC AUC",
    "metric.average_precision": "平均適合率",
    "metric.log_loss": "対数損失",
    "metric.brier": "Brierスコア",
    "axis.fpr": "偽陽性率",
    "axis.tpr": "真陽性率",
    "axis.precision": "適合率",
    "axis.recall": "再現率",
    "axis.mean_predicted": "予測確率の平均",
    "axis.fraction_positive": "実際の陽性率",
    "axis.share_targeted": "対象とした件数の割合",
    "axis.share_captured": "捕捉した陽性の割合",
    "axis.threshold": "しきい値",
    "axis.value": "値",
    "axis.metric": "指標",
    "axis.version": "バージョン",
    "axis.actual": "実際",
    "axis.predicted": "予測",
    "axis.count": "件数",
    "chart.metrics": "評価指標（エラーバー: {level} 信頼区間）",
    "chart.roc": "ROC曲線",
    "chart.pr": "適合率-再現率曲線",
    "chart.calibration": "キャリブレーション（信頼性曲線）",
    "chart.gain": "累積ゲイン",
    "chart.threshold_metrics": "しきい値ごとの評価指標",
    "chart.confusion_of": "混同行列 — {model}（しきい値 {threshold}）",
    "chart.trend": "登録バージョンごとの{metric}",
    "legend.chance": "ランダム",
    "legend.perfect_calibration": "完全なキャリブレーション",
    "legend.prevalence": "陽性率 {value}",
    "legend.random": "ランダムに対象を選択",
    "legend.ideal": "理想的なモデル",
    "legend.labels_only": "{model} — 曲線なし（ラベルのみ）",
    "hover.threshold": "しきい値",
    "hover.at_threshold": "しきい値 {threshold}",
    "hover.vs_baseline": "{baseline} との差",
    "note.labels_only": "曲線を表示できません（スコアがなくラベルのみ）: {models}",
    "note.no_probabilities": "表示していません（スコアが確率ではありません）: {models}",
    "note.undefined_values": "未定義（描画していません）: {items}",
    "note.undefined": "未定義",
    "note.undefined_because": "未定義（{note}）",
    "word.positive": "陽性",
    "word.negative": "陰性",
    "confusion.tn": "真陰性",
    "confusion.fp": "偽陽性",
    "confusion.fn": "偽陰性",
    "confusion.tp": "真陽性",
    "verdict.better": "改善",
    "verdict.worse": "悪化",
    "verdict.no significant difference": "有意差なし",
    "verdict.undefined": "判定不能",
    "sentence.verdict": "{challenger} vs {baseline}: {metric}{numbers} — {n} 件で{verdict}",
    "ui.overview": "概要",
    "ui.curves": "曲線",
    "ui.threshold": "しきい値",
    "ui.slices": "スライス",
    "ui.disagreements": "不一致",
    "ui.registry": "レジストリ",
    "ui.model_picker": "比較するモデル",
    "dropdown.select_all": "すべて選択",
    "dropdown.deselect_all": "すべて解除",
    "dropdown.selected_count": "{num_selected} 件選択中",
    "dropdown.search": "検索",
    "dropdown.clear_search": "検索をクリア",
    "dropdown.clear_selection": "選択をクリア",
    "dropdown.no_options_found": "該当する項目がありません",
    "login.title": "ログイン",
    "login.name": "ユーザー名",
    "login.password": "パスワード",
    "login.submit": "ログイン",
    "login.expired": "フォームの有効期限が切れました。もう一度ログインしてください。",
    "login.wrong": "ユーザー名またはパスワードが違います。",
    "login.throttled": "ログインの失敗が多すぎます。{minutes} 分後にもう一度お試しください。",
    "ui.read_only": "閲覧のみ",
    "ui.read_only_hint": (
        "オペレーターがログインできるようにするには --users FILE を指定して起動します。"
    ),
    "ui.log_out": "ログアウト",
    "ui.baseline_picker": "基準モデル",
    "ui.language": "言語",
    "ui.champion": "チャンピオン",
    "ui.challenger": "チャレンジャー",
    "ui.baseline": "基準",
    "ui.version": "バージョン",
    "ui.job_scoring": "採点中 {share}",
    "ui.job_pair": "区間を計算中",
    "ui.job_slices": "スライスを計算中",
    "ui.job_operating": "動作点を計算中",
    "ui.alias": "エイリアス",
    "ui.model": "モデル",
    "ui.metric": "指標",
    "ui.value": "値",
    "ui.difference": "差",
    "ui.confidence_interval": "信頼区間",
    "ui.p_value": "p値",
    "ui.verdict": "判定",
    "ui.rows": "件",
    "ui.positives": "陽性",
    "ui.test_set": "テストデータ",
    "ui.from_cache": "キャッシュから",
    "ui.scored_now": "今回スコア計算",
    "ui.loading": "読み込み中…",
    "ui.no_models": "モデルを1つ以上選択してください。",
    "ui.errors": "エラー",
    "ui.alerts": "アラート",
    "ui.warnings": "警告",
    "ui.notes": "注記",
    "ui.created": "作成日時",
    "ui.run": "実行",
    "ui.open_run": "MLflowで開く",
    "ui.slice_column": "スライスする列",
    "ui.slice_metric": "指標",
    "ui.bins": "分位ビン数",
    "ui.slice": "スライス",
    "ui.worst_slice": "最も悪いスライス",
    "ui.no_loss": "{metric} で {model} が {baseline} より有意に劣るスライスはありません"
    "（{judged} スライスで Holm 補正。{min_rows} 行未満、またはどちらかのクラスが {min_class} "
    "行未満のスライスは判定しません）。",
    "ui.loses_most": "{model} が有意に劣るのは {slice}: {metric} {delta}（{rows} 行、"
    "{judged} スライスで Holm 補正した p = {p}）。",
    "ui.slice_small": "行数が少なく判定しません",
    "ui.holm_caption": "チャレンジャーが {n} 個: チャレンジャー間で Holm 補正した p 値が {alpha} "
    "未満の差だけを優劣として示します（補正前と補正後の p を表示）。",
    "ui.holm_reason": "チャレンジャー間で Holm 補正: {p}",
    "ui.p_holm": "p（Holm）",
    "chart.slices": "{column} 別の{metric}",
    "ui.challenger_picker": "チャレンジャー",
    "ui.need_two": "チャンピオンと少なくとも1つのチャレンジャーを選んでください。",
    "ui.agreement_title": "しきい値 {threshold} での一致（{rows} 行）",
    "ui.both_correct": "両方正解",
    "ui.only_correct": "{model} のみ正解",
    "ui.both_wrong": "両方不正解",
    "ui.disagreeing": "{a} と {b} の予測クラスが異なる {count} 行",
    "ui.label": "正解ラベル",
    "ui.score_of": "スコア {model}",
    "ui.operating_point": "動作点の探索",
    "ui.criterion": "基準",
    "ui.crit_cost": "コスト最小",
    "ui.crit_precision": "適合率の下限での再現率最大",
    "ui.crit_recall": "再現率の下限での偽陽性率最小",
    "ui.crit_youden": "Youden の J",
    "ui.crit_f1": "F1 最大",
    "ui.cost_fp": "偽陽性1件のコスト",
    "ui.cost_fn": "偽陰性1件のコスト",
    "ui.constraint": "下限",
    "ui.op_threshold": "しきい値",
    "ui.op_objective": "目的値",
    "ui.op_unmet": "到達不可",
    "ui.use_threshold": "スライダーを {model} のしきい値に移動",
    "ui.op_matched": "各バージョン自身のしきい値での {quantity}（{level} 信頼区間）",
    "ui.op_holdout": "しきい値を半分の行で選び、残り半分の行で評価する",
    "ui.op_optimistic": (
        "しきい値の選択と評価を同じ {rows} 行で行っています。値は楽観的で（これらの行の"
        "ノイズも含めて最も良いしきい値を選んでいるため）、区間は表示より真の値を含みにくく"
        "なります。上のホールドアウトをオンにすると、半分の行で選び残り半分で評価します。"
    ),
    "ui.op_held_out": (
        "しきい値は {choose} 行で選び、残りの {report} 行で評価しています（クラスで層化した"
        "ホールドアウト分割）。楽観的ではありませんが、使う行は少なくなります。"
    ),
    "ui.op_reached": "達成した{metric}",
    "ui.op_delta": "{baseline} との差 [{level}]",
    "ui.op_chosen_on": "{rows} 行で選択",
    "ui.q_mean_cost": "1行あたりの平均コスト",
    "ui.q_youden_j": "Youden の J",
    "act.promote": "昇格…",
    "act.rollback": "ロールバック…",
    "act.pick": "昇格するバージョン",
    "act.read_only": "閲覧のみ: 昇格やロールバックにはオペレーターとしてログインしてください。",
    "act.history": "@champion の履歴",
    "act.no_history": "エイリアスの変更記録はまだありません。",
    "act.history_problems": "履歴の検証: {problems}",
    "act.reason": "理由（履歴に記録されます）",
    "act.typed": "確認のためバージョン番号（{version}）をもう一度入力してください",
    "act.force": "ゲート不合格でも昇格する（強制として記録）",
    "act.cancel": "キャンセル",
    "act.confirm": "確定",
    "act.title_promote": "昇格: version {version}",
    "act.title_rollback": "ロールバック: version {version}",
    "act.gate": "ゲート{result}: version {challenger} と version {champion}（{rows} 行）",
    "act.passed": "合格",
    "act.failed": "不合格",
    "act.pass": "合格",
    "act.fail": "不合格",
    "act.pick_first": "先に昇格するバージョンを選んでください。",
    "act.type_to_confirm": "確認のため {version} と入力してください。何も変更していません。",
    "act.need_reason": "理由を入力してください。履歴に記録されます。",
    "ui.grid_cap": "（表には得点差の大きい {rows} 行を表示）",
}

_EN.update(i18n_multiclass.EN)
_JA.update(i18n_multiclass.JA)
_EN.update(i18n_exports.EN)
_JA.update(i18n_exports.JA)
_EN.update(i18n_report.EN)
_JA.update(i18n_report.JA)
_EN.update(i18n_spark.EN)
_JA.update(i18n_spark.JA)
TEXTS: dict[str, dict[str, str]] = {"en": _EN, "ja": _JA}
"""{language: {key: text}}; every language has the same keys (a test checks)."""


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for key in lang (English when lang or the key is missing), with {placeholders}
    filled from values. Raises KeyError for a key English does not have either (a typo)."""
    text = TEXTS.get(lang, _EN).get(key)
    if text is None:
        text = _EN[key]
    return text.format(**values) if values else text


def metric_label(metric: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A metric's display name ("roc_auc" -> "ROC AUC"; ja "average_precision" -> "平均適合率").
    A metric without a text falls back to its METRICS label, then to the name itself."""
    for key in (f"metric.{metric}", f"mc.metric.{metric}"):  # binary, then multiclass names
        if key in _EN:
            return t(key, lang)
    return next((spec.label for spec in METRICS if spec.name == metric), metric)


def verdict_word(verdict: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """ "better" / "worse" / "no significant difference" / "undefined" in lang (改善 / 悪化 /
    有意差なし / 判定不能); an unknown verdict is returned unchanged."""
    key = f"verdict.{verdict}"
    return t(key, lang) if key in _EN else verdict


def estimate_text(
    value: float | None,
    low: float | None = None,
    high: float | None = None,
    digits: int = 3,
    signed: bool = False,
) -> str:
    """ "0.812 [0.735, 0.887]" ("+0.012 [-0.030, +0.050]" when signed); the interval is left out
    when a bound is missing; "—" when the value is. Built on fmt_number, with fewer digits than
    the tables because legends and sentences are short on room."""
    text = fmt_number(value, digits, signed)
    if value is None or low is None or high is None:
        return text
    return f"{text} [{fmt_number(low, digits, signed)}, {fmt_number(high, digits, signed)}]"


def verdict_sentence(
    delta: MetricDelta,
    challenger: str,
    baseline: str,
    n_rows: int,
    lang: str = DEFAULT_LANGUAGE,
    digits: int = 3,
) -> str:
    """One sentence for one metric's paired comparison.

    en: "version 2 vs champion (version 1): ROC AUC +0.012 [-0.030, +0.050], p = 0.610 — no
    significant difference on 143 rows"; ja: "version 2 vs champion (version 1): ROC AUC +0.012
    [-0.030, +0.050]、p = 0.610 — 143 件で有意差なし". A significant verdict carries its mark
    (▲ better / ▼ worse); an undefined delta gives "...: ROC AUC — undefined on 143 rows".
    """
    numbers = ""
    if delta.delta is not None:
        numbers = " " + estimate_text(delta.delta, delta.ci_low, delta.ci_high, digits, True)
        if delta.p_value is not None:
            comma = "、" if lang == "ja" else ", "
            numbers = f"{numbers}{comma}{fmt_p(delta.p_value)}"
    verdict = verdict_word(delta.verdict, lang)
    sign = mark(delta.verdict)
    if sign:
        verdict = f"{sign} {verdict}"
    return t(
        "sentence.verdict",
        lang,
        challenger=challenger,
        baseline=baseline,
        metric=metric_label(delta.metric, lang),
        numbers=numbers,
        verdict=verdict,
        n=f"{n_rows:,}",
    )
