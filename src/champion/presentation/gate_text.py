"""A gate's verdicts as display data: the "gate" key of the JSON output, plain lines for a
terminal and a Markdown section (English or Japanese). Shared by ``champion compare --gate``
and ``champion report``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from champion.evaluation import GateVerdict
from champion.presentation.i18n import t


def gate_dict(verdicts: Mapping[str, GateVerdict], baseline: str) -> dict[str, Any]:
    """The "gate" key of compare's JSON: passed (every challenger), baseline, each
    challenger's verdict with its rules, p-values and reasons."""
    return {
        "passed": all(v.passed for v in verdicts.values()),
        "baseline": baseline,
        "challengers": {name: v.to_dict() for name, v in verdicts.items()},
    }


def gate_lines(verdicts: Mapping[str, GateVerdict], baseline: str) -> list[str]:
    """Plain lines for the table output: a line per challenger, then each rule's reason."""
    lines = []
    for name, verdict in verdicts.items():
        how = f"Holm across {verdict.family} challengers" if verdict.adjusted else "alone"
        state = "passed" if verdict.passed else "FAILED"
        lines.append(f"gate: {state} - {name} vs {baseline} (judged {how})")
        lines += [f"  {outcome.rule}: {outcome.reason}" for outcome in verdict.rules]
    return lines


def gate_markdown(verdicts: Mapping[str, GateVerdict], baseline: str, lang: str = "en") -> str:
    """A "## Gate" section: each challenger's verdict and every rule's reason (the reasons are
    the engine's, in English)."""
    lines = ["", f"## {t('report.gate', lang)}", ""]
    for name, verdict in verdicts.items():
        how = t("report.md_holm", lang, family=verdict.family) if verdict.adjusted else ""
        mark = t("report.md_passed" if verdict.passed else "report.md_failed", lang)
        lines.append(f"- **{name}** vs {baseline}: {mark}{how}")
        lines += [f"  - `{outcome.rule}`: {outcome.reason}" for outcome in verdict.rules]
    return "\n".join(lines) + "\n"
