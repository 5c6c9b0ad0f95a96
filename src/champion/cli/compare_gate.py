"""``compare --gate RULE --adjust ...``: gate every challenger of a comparison, for CI.

The same rules as ``promote --gate``, judged on the comparison's paired intervals. Several
challengers form one family: by default (``--adjust auto``) the superior and non-inferior rules
are Holm-adjusted across them, so the chance that any challenger no better than a rule's limit
passes stays at the interval's one-sided level. The command exits with 1 when a challenger fails
its gate (after printing everything), so a CI step can gate without writing a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import click

from champion.errors import GateFailed
from champion.evaluation import (
    ADJUSTMENTS,
    Comparison,
    GateVerdict,
    evaluate_gates,
    parse_rules,
)
from champion.evaluation.gates import RULE_FORMS, Adjust
from champion.evaluation.multiclass import MulticlassComparison
from champion.presentation.gate_text import gate_dict, gate_lines, gate_markdown

# the gate's texts live in champion.presentation (champion report writes them too); the
# commands import them from here as before
__all__ = [
    "gate_dict",
    "gate_lines",
    "gate_markdown",
    "gate_options",
    "judge",
    "raise_if_refused",
]

F = TypeVar("F", bound=Callable[..., Any])


def gate_options(command: F) -> F:
    """--gate RULE (repeatable) and --adjust auto|holm|none."""
    command = click.option(
        "--adjust",
        type=click.Choice(ADJUSTMENTS),
        default="auto",
        show_default=True,
        help="With --gate and several challengers: holm adjusts superior / non-inferior rules "
        "across them; none judges each alone; auto is holm with more than one challenger.",
    )(command)
    return click.option(
        "--gate",
        "gate_rules",
        multiple=True,
        metavar="RULE",
        help="Gate every challenger on a rule, repeatable (exit 1 if one fails): "
        "METRIC:not-worse, METRIC:superior or METRIC:non-inferior:MARGIN.",
    )(command)


def judge(
    cmp: Comparison | MulticlassComparison, rules: tuple[str, ...], adjust: str
) -> dict[str, GateVerdict]:
    """Each challenger's gate verdict on rules (texts) against the comparison's baseline (two
    classes or more: rules name a metric of either)."""
    deltas = {name: c.deltas for name, c in cmp.comparisons.items()}
    if isinstance(cmp, MulticlassComparison):
        confidence = cmp.baseline_evaluation.confidence
    else:
        confidence = cmp.baseline_report.confidence
    chosen = cast(Adjust, adjust)  # click.Choice(ADJUSTMENTS) allows nothing else
    return evaluate_gates(deltas, parse_rules(rules), confidence=confidence, adjust=chosen)


def raise_if_refused(verdicts: Mapping[str, GateVerdict]) -> None:
    """GateFailed (exit 1) naming each refused challenger and its failed rules."""
    refused = {
        name: [o.rule for o in v.rules if not o.passed]
        for name, v in verdicts.items()
        if not v.passed
    }
    if refused:
        which = "; ".join(f"{name} ({', '.join(rules)})" for name, rules in refused.items())
        raise GateFailed(
            f"the gate refused {which}. Each rule's reason is printed above; rules are "
            f"{RULE_FORMS}."
        )
