"""The decision record as ONE self-contained HTML file, readable offline and forever.

plotly.js is inlined once; each figure is a JSON block drawn by one small inline script with
``Plotly.newPlot``. Nothing is loaded from anywhere (no CDN, no font, no image address), and a
Content-Security-Policy meta tag says so to the browser: no source by default, scripts only
those whose SHA-256 hashes it lists (the two inline scripts of this file, computed from their
exact text), styles inline (plotly.js adds <style> elements as it draws), images only data:
and blob: (plotly's icons and "download as PNG"). Every text from outside champion is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

from champion.evaluation import Comparison
from champion.presentation import (
    calibration_figure,
    gain_figure,
    metrics_bar,
    pr_figure,
    roc_figure,
    t,
    threshold_metrics_figure,
)
from champion.presentation.figures_slices import slices_figure
from champion.presentation.slice_text import slice_sentences
from champion.presentation.table_views import agreement_view, metrics_view, slices_view
from champion.presentation.tables import notes
from champion.reports.html_multiclass import multiclass_sections
from champion.reports.html_parts import (
    STYLE,
    Figures,
    confusion_table,
    esc,
    facts_table,
    rows_table,
    section,
    view_table,
)
from champion.reports.record import DecisionRecord
from champion.reports.text import (
    champion_line,
    created_line,
    disagreement_line,
    gate_heading,
    gate_summary,
    settings_line,
    share,
    slices_line,
    title_line,
    verdict_lines,
)

DRAW = """(function () {
  "use strict";
  var config = {displaylogo: false, responsive: true};
  var blocks = document.querySelectorAll('script[type="application/json"][data-figure]');
  Array.prototype.forEach.call(blocks, function (block) {
    var figure = JSON.parse(block.textContent);
    var target = document.getElementById(block.getAttribute("data-figure"));
    Plotly.newPlot(target, figure.data, figure.layout, config);
  });
})();"""


def script_hash(source: str) -> str:
    """The CSP source of an inline script: 'sha256-<base64 of the SHA-256 of its UTF-8 text>'."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(scripts: list[str]) -> str:
    """The policy of the file: nothing from anywhere but its own inline scripts (by hash)."""
    directives = {
        "default-src": ["'none'"],
        "script-src": [script_hash(source) for source in scripts],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["data:", "blob:"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def plotly_js() -> str:
    """plotly.js (the version plotly.py ships), safe inside a <script> element."""
    from plotly.offline import get_plotlyjs

    source: str = get_plotlyjs()
    return source.replace("</script", "<\\/script")


def user_texts(record: DecisionRecord) -> list[str]:
    """Texts from outside champion that figures may show."""
    texts = [*record.comparison.models, *(str(label) for label, _ in record.dataset.class_balance)]
    if record.slices is not None:
        texts += [record.slices.column, *(row.label for row in record.slices.table.rows)]
    return texts


def _paragraphs(lines: list[str], class_: str | None = None) -> str:
    attribute = "" if class_ is None else f' class="{class_}"'
    return "".join(f"<p{attribute}>{esc(line)}</p>" for line in lines)


def _gate(record: DecisionRecord, lang: str) -> Iterator[str]:
    passed = record.passed
    state = "none" if passed is None else "passed" if passed else "failed"
    yield f'<p class="lead {state}-text">{esc(gate_summary(record, lang))}</p>'
    for name, verdict in (record.gate or {}).items():
        yield f"<h3>{esc(gate_heading(record, name, lang))}</h3>"
        rows = [
            (
                outcome.rule,
                t("act.pass", lang) if outcome.passed else t("act.fail", lang),
                outcome.reason,
            )
            for outcome in verdict.rules
        ]
        header = (t("report.rule", lang), t("report.outcome", lang), t("report.reason", lang))
        yield rows_table(header, rows, class_="text")


def _binary_sections(record: DecisionRecord, lang: str, figure: Figures) -> list[str]:
    """Metrics, Curves and the threshold view of a two-class record."""
    cmp = record.comparison
    if not isinstance(cmp, Comparison):
        raise TypeError("_binary_sections draws a Comparison")
    reports, cut = cmp.models, cmp.baseline_report.threshold
    level = f"{cmp.baseline_report.confidence * 100:g}%"
    metrics = [
        f'<p class="muted">{esc(t("report.metrics_caption", lang, level=level))}</p>',
        view_table(metrics_view(cmp, lang)),
        figure(metrics_bar(cmp, lang=lang), "metrics"),
    ]
    curves = [
        '<div class="grid">',
        figure(roc_figure(reports, cut, lang), "roc"),
        figure(pr_figure(reports, cut, lang), "pr"),
        figure(calibration_figure(reports, lang), "calibration"),
        figure(gain_figure(reports, cut, lang), "gain"),
        "</div>",
    ]
    threshold = [
        f"<p>{esc(t('report.threshold_note', lang, threshold=f'{cut:g}'))}</p>",
        '<div class="cards">',
        *(confusion_table(r.confusion, name, cut, lang) for name, r in reports.items()),
        "</div>",
        figure(threshold_metrics_figure(reports, threshold=cut, lang=lang), "threshold"),
    ]
    return [
        section(t("report.metrics", lang), *metrics, ident="metrics"),
        section(t("report.curves", lang), *curves, ident="curves"),
        section(t("report.threshold", lang, threshold=f"{cut:g}"), *threshold, ident="threshold"),
    ]


def _slices(record: DecisionRecord, lang: str, figure: Figures) -> Iterator[str]:
    found = record.slices
    if found is None:
        yield f'<p class="muted">{esc(t("report.no_slices", lang))}</p>'
        return
    yield f"<p>{esc(slices_line(found, lang))}</p>"
    yield "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in slice_sentences(found.table, lang))
    yield "</ul>"
    yield view_table(slices_view(found.table, lang))
    yield figure(slices_figure(found.table, found.column, lang=lang), "slices")


def _disagreements(record: DecisionRecord, lang: str) -> Iterator[str]:
    for found in record.disagreements:
        yield f"<p>{esc(disagreement_line(record, found, lang))}</p>"
        view = agreement_view(
            found.agreement, record.baseline, found.challenger, record.threshold, lang
        )
        yield view_table(view)


def _paired_sections(record: DecisionRecord, lang: str, figure: Figures) -> list[str]:
    """Slices and disagreements: about challengers, so none for a record of one model (the
    one ``evaluate --log`` writes)."""
    if not record.comparison.comparisons:
        return []
    return [
        section(t("report.slices", lang), *_slices(record, lang, figure), ident="slices"),
        section(
            t("report.disagreements", lang), *_disagreements(record, lang), ident="disagreements"
        ),
    ]


def _test_set(record: DecisionRecord, lang: str) -> Iterator[str]:
    d = record.dataset
    facts = [
        (t("report.fingerprint", lang), d.fingerprint),
        (t("report.source", lang), d.summary.get("source")),
        (t("report.rows", lang), f"{d.rows:,}"),
        (t("report.target", lang), d.summary.get("target")),
        (t("report.recipe", lang), d.summary.get("recipe")),
        (t("report.pos_label", lang), None if d.pos_label is None else repr(d.pos_label)),
    ]
    yield facts_table(facts)
    header = (t("report.label", lang), t("report.count", lang), t("report.share", lang))
    rows = [(label, f"{rows:,}", share(rows, d.rows)) for label, rows in d.class_balance]
    yield rows_table(header, rows, t("report.class_balance", lang))


def _models(record: DecisionRecord, lang: str) -> Iterator[str]:
    yield f"<p>{esc(champion_line(record, lang))}</p>"
    registered = any(m.uri is not None for m in record.models.values())
    if not registered:
        header = [t("report.model", lang), t("report.column", lang)]
        columns = [(label, m.column or "—") for label, m in record.models.items()]
        yield rows_table(header, columns, class_="text")
        return
    # the exact URI only when a model was named otherwise (an alias, a logged model's URI)
    exact = any(m.uri not in (None, label) for label, m in record.models.items())
    header = [t("report.model", lang), t("report.registered", lang), t("report.version", lang)]
    header += [t("report.aliases", lang), t("report.run", lang), t("report.link", lang)]
    header += [t("report.uri", lang)] if exact else []
    header.append(t("report.scores", lang))
    rows: list[tuple[str, ...]] = []
    for label, m in record.models.items():
        cached = t("ui.from_cache", lang) if m.from_cache else t("ui.scored_now", lang)
        row = [label, m.name or "—", m.version or "—", " ".join(f"@{a}" for a in m.aliases)]
        row += [m.run_id or "—", m.run_url or "—", *([m.uri or "—"] if exact else [])]
        row.append("—" if m.from_cache is None else f"{m.kind} · {cached}")
        rows.append(tuple(cell or "—" for cell in row))
    yield rows_table(header, rows, class_="text")
    if any(m.run_url for m in record.models.values()):
        yield f'<p class="muted">{esc(t("report.links_as_text", lang))}</p>'


def _notes(record: DecisionRecord, lang: str) -> Iterator[str]:
    yield f"<p>{esc(settings_line(record, lang))}</p>"
    cmp = record.comparison
    remarks = [*(notes(cmp) if isinstance(cmp, Comparison) else ()), *record.notes]
    if remarks:
        yield f"<h3>{esc(t('ui.notes', lang))}</h3><ul>"
        yield "".join(f"<li>{esc(remark)}</li>" for remark in remarks)
        yield "</ul>"


def render_html(record: DecisionRecord, lang: str = "en") -> str:
    """The whole page (UTF-8 text) of record in lang ("en" or "ja")."""
    figure = Figures(user_texts(record))
    passed = record.passed
    state = "none" if passed is None else "passed" if passed else "failed"
    status = (
        t("report.gate", lang)
        + ": "
        + ("—" if passed is None else t("act.passed" if passed else "act.failed", lang))
    )
    sections = [
        section(t("report.verdict", lang), _paragraphs(verdict_lines(record, lang), "lead"),
                 ident="verdict"),
        section(t("report.gate", lang), *_gate(record, lang), ident="gate"),
        *(multiclass_sections(record, lang, figure) if record.multiclass
          else _binary_sections(record, lang, figure)),
        *_paired_sections(record, lang, figure),
        section(t("report.test_set", lang), *_test_set(record, lang), ident="test-set"),
        section(t("report.models", lang), *_models(record, lang), ident="models"),
        section(t("report.settings", lang), *_notes(record, lang), ident="settings"),
    ]  # fmt: skip
    scripts = [plotly_js(), DRAW]
    policy = content_security_policy(scripts)
    title = title_line(record, lang)
    head = (
        '<meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(t('report.title', lang))}: {esc(title)}</title>"
        f"<style>{STYLE}</style>"
        f"<script>{scripts[0]}</script>"
    )
    body = (
        f"<header><h1>{esc(t('report.title', lang))}</h1>"
        f'<p class="lead">{esc(title)}</p>'
        f'<p><span class="status {state}">{esc(status)}</span></p>'
        f'<p class="muted">{esc(created_line(record, lang))} · {esc(champion_line(record, lang))}'
        "</p></header>"
        + "".join(sections)
        + f"<footer>{esc(created_line(record, lang))}</footer>"
        + f"<script>{scripts[1]}</script>"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head>{head}</head><body>{body}</body></html>\n'
    )
