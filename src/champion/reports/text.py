"""The sentences of a decision record, shared by its HTML and Markdown forms (plain text: each
form escapes them its own way)."""

from __future__ import annotations

from champion.evaluation.multiclass import MulticlassComparison
from champion.presentation import metric_label, t
from champion.presentation.i18n import verdict_sentence
from champion.presentation.multiclass_views import worst_class_lines
from champion.presentation.tables import fmt_p, fmt_percent
from champion.reports.record import DecisionRecord, Disagreement, SliceFinding

# the metric of the verdict sentence, as on the dashboard's Overview (two classes, more)
VERDICT_METRIC = "roc_auc"
MULTICLASS_VERDICT_METRIC = "roc_auc_ovr_macro"


def share(count: float, total: float) -> str:
    """count / total as a percentage ("12.5%"); "—" when total is 0."""
    return fmt_percent(round(count / total, 3)) if total else "—"


def baseline_name(record: DecisionRecord, lang: str) -> str:
    """The baseline's label, "champion (label)" when it is the version holding @champion."""
    base = record.baseline
    info = record.models.get(base)
    if record.champion is not None and info is not None and info.version == record.champion:
        return f"{t('ui.champion', lang)} ({base})"
    return base


def title_line(record: DecisionRecord, lang: str) -> str:
    """The record's subtitle: "CHALLENGERS vs BASELINE on N rows", or "MODEL on N rows" for a
    record of one model (an evaluation)."""
    rows = f"{record.dataset.rows:,}"
    if not record.challengers:
        return t("report.subtitle_one", lang, model=baseline_name(record, lang), rows=rows)
    challengers = ", ".join(record.challengers)
    baseline = baseline_name(record, lang)
    return t("report.subtitle", lang, challengers=challengers, baseline=baseline, rows=rows)


def created_line(record: DecisionRecord, lang: str) -> str:
    when = record.created_at.strftime("%Y-%m-%d %H:%M:%S")
    return t("report.created", lang, time=when, tool=record.tool)


def champion_line(record: DecisionRecord, lang: str) -> str:
    """Who holds @champion in the registered model compared (when the record was written)."""
    model = record.registered_model
    if model is None:
        return t("report.not_registered", lang)
    if record.champion is None:
        return t("report.no_champion", lang, model=model)
    when = record.created_at.strftime("%Y-%m-%d %H:%M:%S")
    return t("report.champion_is", lang, model=model, version=record.champion, time=when)


def verdict_metrics(record: DecisionRecord) -> list[str]:
    """ROC AUC, then each other metric a gate rule names (in the rules' order)."""
    first = MULTICLASS_VERDICT_METRIC if record.multiclass else VERDICT_METRIC
    wanted = [first, *(rule.partition(":")[0].strip() for rule in record.gate_rules)]
    known = {m for c in record.comparisons.values() for m in c.deltas}
    return [m for m in dict.fromkeys(wanted) if m in known]


def verdict_lines(record: DecisionRecord, lang: str) -> list[str]:
    """One verdict sentence per challenger and metric (see ``verdict_metrics``), with three or
    more classes then the class it loses most F1 on (or none); a comparison of one model says
    what it was evaluated on."""
    cmp = record.comparison
    if not cmp.comparisons:
        return [title_line(record, lang)]
    base, metrics = baseline_name(record, lang), verdict_metrics(record)
    worst = worst_class_lines(cmp, lang, base) if isinstance(cmp, MulticlassComparison) else []
    deltas = {name: c.deltas for name, c in record.comparisons.items()}
    lines = []
    for i, (name, d) in enumerate(deltas.items()):
        lines += [verdict_sentence(d[m], name, base, record.rows, lang) for m in metrics]
        lines += worst[i : i + 1]
    return lines


def gate_summary(record: DecisionRecord, lang: str) -> str:
    if record.gate is None:
        return t("report.no_gate", lang)
    if record.passed:
        return t("report.gate_passed", lang)
    refused = [
        f"{name} ({', '.join(o.rule for o in v.rules if not o.passed)})"
        for name, v in record.gate.items()
        if not v.passed
    ]
    return t("report.gate_failed", lang, names="; ".join(refused))


def gate_heading(record: DecisionRecord, challenger: str, lang: str) -> str:
    """ "new vs initial: passed (judged alone)"."""
    verdict = (record.gate or {})[challenger]
    result = t("act.passed" if verdict.passed else "act.failed", lang)
    how = (
        t("report.judged_holm", lang, family=verdict.family)
        if verdict.adjusted
        else t("report.judged_alone", lang)
    )
    text = t("report.gate_of", lang, challenger=challenger, baseline=record.baseline, result=result)
    return f"{text} ({how})"


def slices_line(found: SliceFinding, lang: str) -> str:
    return t(
        "report.slices_of",
        lang,
        metric=metric_label(found.table.metric, lang),
        column=found.column,
        bins=found.bins,
        columns=", ".join(found.columns),
    )


def disagreement_line(record: DecisionRecord, found: Disagreement, lang: str) -> str:
    count = found.agreement.disagreeing
    return t(
        "report.disagreeing_mc" if record.multiclass else "report.disagreeing",
        lang,
        challenger=found.challenger,
        baseline=record.baseline,
        count=f"{count:,}",
        rows=f"{found.rows:,}",
        share=share(count, found.rows),
        p=fmt_p(found.p_value),
        test="exact" if found.exact else "χ²",
    )


def settings_line(record: DecisionRecord, lang: str) -> str:
    resamples = (
        t("report.resamples", lang, n_boot=f"{record.n_boot:,}")
        if record.n_boot
        else t("report.no_bootstrap", lang)
    )
    level, ci = fmt_percent(record.confidence), record.ci
    if record.threshold is None:
        return t("report.settings_line_mc", lang, level=level, resamples=resamples, ci=ci)
    threshold = f"{record.threshold:g}"
    return t("report.settings_line", lang, threshold=threshold, level=level, resamples=resamples,
             ci=ci)  # fmt: skip
