"""The decision record as Markdown for a pull-request comment: the verdict and the gate first,
then the test set, the models, the comparison's tables (``comparison_markdown``) and the worst
slice, and a last line naming the HTML report. At most ``LIMIT`` characters (GitHub's limit for
a comment): past it the tables are cut with a note, the verdict and the gate are kept."""

from __future__ import annotations

from champion.evaluation.multiclass import MulticlassComparison
from champion.presentation import t
from champion.presentation.gate_text import gate_markdown
from champion.presentation.multiclass_tables import multiclass_markdown
from champion.presentation.slice_text import slice_sentences
from champion.presentation.table_views import TableView, slices_view
from champion.presentation.tables import comparison_markdown, md_table, md_text
from champion.reports.record import DecisionRecord
from champion.reports.text import (
    champion_line,
    created_line,
    disagreement_line,
    gate_summary,
    share,
    slices_line,
    title_line,
    verdict_lines,
)

LIMIT = 65_536  # characters of a GitHub issue or pull-request comment


def _view_markdown(view: TableView) -> list[str]:
    rows = [[cell.text for cell in row] for row in view.rows]
    lines = md_table(list(view.header), rows, "l" + "r" * (len(view.header) - 1))
    return ([f"_{md_text(view.caption)}_", ""] if view.caption else []) + lines


def _head(record: DecisionRecord, lang: str) -> list[str]:
    """Title, verdict and gate: what a reader must see, kept whole whenever possible."""
    lines = [f"# {t('report.title', lang)}: {title_line(record, lang)}", ""]
    lines += [f"**{t('report.verdict', lang)}**", ""]
    lines += [f"- {line}" for line in verdict_lines(record, lang)]
    lines += ["", f"## {t('report.gate', lang)}", "", gate_summary(record, lang)]
    if record.gate is not None:  # gate_markdown's rules, under the heading above
        section = gate_markdown(record.gate, record.baseline, lang).rstrip("\n").split("\n")
        lines += ["", *section[3:]]
    return lines


def _test_set(record: DecisionRecord, lang: str) -> list[str]:
    d = record.dataset
    balance = ", ".join(
        f"`{label!r}` {rows:,} ({share(rows, d.rows)})" for label, rows in d.class_balance
    )
    facts = [
        (t("report.fingerprint", lang), f"`{d.fingerprint}`"),
        (t("report.source", lang), f"`{d.summary.get('source')}`"),
        (t("report.rows", lang), f"{d.rows:,}"),
        (t("report.target", lang), f"`{d.summary.get('target')}`"),
        (t("report.recipe", lang), d.summary.get("recipe")),
        (t("report.pos_label", lang), None if d.pos_label is None else f"`{d.pos_label!r}`"),
        (t("report.class_balance", lang), balance),
    ]
    lines = ["", f"## {t('report.test_set', lang)}", ""]
    return lines + [f"- {name}: {value}" for name, value in facts if value is not None]


def _models(record: DecisionRecord, lang: str) -> list[str]:
    lines = ["", f"## {t('report.models', lang)}", "", champion_line(record, lang), ""]
    registered = any(m.uri is not None for m in record.models.values())
    if not registered:
        header = [t("report.model", lang), t("report.column", lang)]
        rows = [[label, m.column or "—"] for label, m in record.models.items()]
        return lines + md_table(header, rows, "ll")
    header = [
        t("report.model", lang),
        t("report.version", lang),
        t("report.aliases", lang),
        t("report.run", lang),
        t("report.link", lang),
    ]
    rows = [
        [
            label,
            m.version or "—",
            " ".join(f"@{a}" for a in m.aliases) or "—",
            m.run_id or "—",
            m.run_url or "—",
        ]
        for label, m in record.models.items()
    ]
    return lines + md_table(header, rows, "lllll")


def _comparison(record: DecisionRecord, lang: str) -> list[str]:
    """compare's Markdown report, its headings one level down (under the record's title);
    with three or more classes then each challenger's agreement with the baseline."""
    cmp = record.comparison
    if isinstance(cmp, MulticlassComparison):
        text = multiclass_markdown(cmp, record.notes).rstrip("\n")
        found = record.disagreements
        agreement = [f"- {disagreement_line(record, d, lang)}" for d in found]
        heading = ["", f"## {t('report.disagreements', lang)}", ""] if found else []
    else:
        text, heading, agreement = comparison_markdown(cmp).rstrip("\n"), [], []
    lines = [f"#{line}" if line.startswith("#") else line for line in text.split("\n")]
    return ["", *lines, *heading, *agreement]


def _slices(record: DecisionRecord, lang: str) -> list[str]:
    found = record.slices
    if found is None:
        return []
    lines = ["", f"## {t('report.slices', lang)}", "", slices_line(found, lang), ""]
    lines += [f"- {line}" for line in slice_sentences(found.table, lang)]
    return [*lines, "", *_view_markdown(slices_view(found.table, lang))]


def _tail(record: DecisionRecord, lang: str, html_name: str | None) -> list[str]:
    lines = ["", "---", "", f"{created_line(record, lang)} · {champion_line(record, lang)}"]
    if html_name:
        lines += ["", t("report.md_artifact", lang, name=html_name)]
    return lines


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def fit(head: list[str], body: list[str], tail: list[str], lang: str, limit: int = LIMIT) -> str:
    """head + body + tail in at most limit characters: body lines are dropped from the end
    (with a note saying how many), then head lines; a line longer than everything is cut."""
    whole = _joined([*head, *body, *tail])
    if len(whole) <= limit:
        return whole

    def note(count: int) -> list[str]:
        return ["", t("report.md_truncated", lang, count=f"{count:,}", limit=f"{limit:,}")]

    lines = [*head, *body]
    kept = len(head) + len(body)
    # the longest prefix of lines that fits with the note and the tail (sizes only grow)
    fixed = len(_joined([*note(kept), *tail]))
    used, k = 0, 0
    while k < kept and fixed + used + len(lines[k]) + 1 <= limit:
        used += len(lines[k]) + 1
        k += 1
    text = _joined([*lines[:k], *note(kept - k), *tail])
    if len(text) > limit:  # a tail or note too long to keep (a huge file name): cut hard
        text = text[: limit - 2] + "…\n"
    return text


def render_markdown(
    record: DecisionRecord, lang: str = "en", html_name: str | None = None, limit: int = LIMIT
) -> str:
    """The record as GitHub-flavoured Markdown of at most limit characters; html_name: the
    HTML report the last line points to (None: no such line)."""
    body = [
        *_test_set(record, lang),
        *_models(record, lang),
        *_comparison(record, lang),
        *_slices(record, lang),
    ]
    return fit(_head(record, lang), body, _tail(record, lang, html_name), lang, limit)
