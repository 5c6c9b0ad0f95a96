"""Promotion gates: rules on the paired difference challenger - champion, judged on its interval.

A rule names a metric of :data:`~champion.evaluation.metrics.METRICS` and a kind:

``METRIC:not-worse``
    passes unless the interval of the difference lies entirely on the worse side, i.e. the
    challenger is not *significantly* worse (the default gate is ``roc_auc:not-worse``: the paired
    DeLong interval of the ROC AUC difference must reach 0 or above).
``METRIC:superior``
    the whole interval lies on the better side (ROC AUC: CI low > 0).
``METRIC:non-inferior:MARGIN``
    the interval excludes a loss larger than MARGIN (ROC AUC: CI low > -MARGIN); MARGIN >= 0 is
    in the metric's own units.

"Better" follows the metric's direction: for log loss and the Brier score (lower is better) the
bounds swap roles (``brier:superior`` needs CI high < 0). Like MLflow's ``MetricThreshold`` but
judged on the confidence interval of the paired difference rather than on point values, so a
verdict reflects the uncertainty of the test set. Every rule gets a reason with its numbers.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from champion.errors import DataError
from champion.evaluation.compare import MetricDelta
from champion.evaluation.metrics import METRIC_NAMES, SPECS

RuleKind = Literal["not-worse", "superior", "non-inferior"]
RULE_KINDS: tuple[RuleKind, ...] = ("not-worse", "superior", "non-inferior")

RULE_FORMS = (
    "METRIC:not-worse (e.g. roc_auc:not-worse), METRIC:superior (e.g. roc_auc:superior) or "
    "METRIC:non-inferior:MARGIN (e.g. roc_auc:non-inferior:0.01, recall:non-inferior:0.02)"
)


@dataclass(frozen=True)
class GateRule:
    """One rule: ``metric`` (a METRICS name), ``kind`` and, for non-inferior, ``margin`` >= 0."""

    metric: str
    kind: RuleKind
    margin: float = 0.0

    @property
    def text(self) -> str:
        """The rule as it is written: ``roc_auc:non-inferior:0.01``."""
        if self.kind == "non-inferior":
            return f"{self.metric}:{self.kind}:{self.margin:g}"
        return f"{self.metric}:{self.kind}"


DEFAULT_RULES: tuple[GateRule, ...] = (GateRule("roc_auc", "not-worse"),)


@dataclass(frozen=True)
class RuleOutcome:
    """How one rule judged the difference: the numbers it used, pass or fail, and why."""

    rule: str
    metric: str
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    margin: float
    passed: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "metric": self.metric,
            "delta": self.delta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "margin": self.margin,
            "passed": self.passed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class GateVerdict:
    """All rules' outcomes; ``passed`` when every rule passed. ``confidence``: the CI level."""

    passed: bool
    rules: tuple[RuleOutcome, ...]
    confidence: float

    @property
    def summary(self) -> str:
        """One line: ``passed`` / ``failed``, then each rule's text and result."""
        parts = ", ".join(f"{r.rule} {'ok' if r.passed else 'FAILED'}" for r in self.rules)
        return f"{'passed' if self.passed else 'failed'} ({parts})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "confidence": self.confidence,
            "rules": [r.to_dict() for r in self.rules],
        }


def _bad_rule(text: str, why: str) -> DataError:
    return DataError(
        f"cannot read the gate rule {text!r}: {why}. Write {RULE_FORMS}; metrics: "
        f"{', '.join(METRIC_NAMES)}."
    )


def parse_rule(text: str) -> GateRule:
    """``"roc_auc:non-inferior:0.01"`` -> GateRule; DataError naming the valid forms."""
    parts = [p.strip() for p in text.strip().split(":")]
    if len(parts) < 2 or not all(parts):
        raise _bad_rule(text, "a rule is METRIC:KIND[:MARGIN]")
    metric, kind = parts[0].lower(), parts[1].lower()
    if metric not in SPECS:
        raise _bad_rule(text, f"{parts[0]!r} is not a metric")
    if kind not in RULE_KINDS:
        raise _bad_rule(text, f"{parts[1]!r} is not a rule kind ({', '.join(RULE_KINDS)})")
    if kind != "non-inferior":
        if len(parts) != 2:
            raise _bad_rule(text, f"{kind} takes no margin")
        return GateRule(metric, kind)
    if len(parts) != 3:
        raise _bad_rule(text, "non-inferior needs a margin, e.g. non-inferior:0.01")
    try:
        margin = float(parts[2])
    except ValueError:
        raise _bad_rule(text, f"the margin {parts[2]!r} is not a number") from None
    if not math.isfinite(margin) or margin < 0:
        raise _bad_rule(text, f"the margin must be a finite number >= 0, not {parts[2]}")
    return GateRule(metric, "non-inferior", margin)


def parse_rules(texts: Iterable[str]) -> tuple[GateRule, ...]:
    """Parse several rules (duplicates dropped, order kept); none given -> DEFAULT_RULES."""
    rules = tuple(dict.fromkeys(parse_rule(t) for t in texts))
    return rules or DEFAULT_RULES


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def _fmt(value: float) -> str:
    return f"{value:+.4f}"


def _judge(rule: GateRule, delta: MetricDelta | None, level: str) -> RuleOutcome:
    spec = SPECS[rule.metric]
    if delta is None or delta.delta is None or delta.ci_low is None or delta.ci_high is None:
        why = delta.reason if delta is not None else "the comparison has no such metric"
        return RuleOutcome(
            rule.text,
            rule.metric,
            delta.delta if delta is not None else None,
            None,
            None,
            rule.margin,
            False,
            f"failed: the {spec.label} difference has no {level} interval ({why}); a gate "
            "cannot pass on an unknown difference",
        )
    low, high, value = delta.ci_low, delta.ci_high, delta.delta
    numbers = f"{spec.label} difference {_fmt(value)} [{level} CI {_fmt(low)}, {_fmt(high)}]"
    up = spec.greater_is_better
    # the end of the interval the rule looks at, how it must compare with the limit, and what
    # passing means; lower-is-better metrics mirror the greater-is-better case
    if rule.kind == "not-worse":
        side, op, limit = ("upper", ">=", 0.0) if up else ("lower", "<=", 0.0)
        meaning = ("not significantly worse", "significantly worse")
    elif rule.kind == "superior":
        side, op, limit = ("lower", ">", 0.0) if up else ("upper", "<", 0.0)
        meaning = ("significantly better", "not shown to be better")
    else:
        side, op, limit = ("lower", ">", 0.0 - rule.margin) if up else ("upper", "<", rule.margin)
        meaning = (
            "worse by less than the margin, if at all",
            "may be worse by more than the margin",
        )
    bound = low if side == "lower" else high
    passed = _OPS[op](bound, limit)
    relation = op if passed else f"is not {op}"
    margin = " (margin)" if rule.kind == "non-inferior" else ""
    test = f"{side} bound {_fmt(bound)} {relation} {_fmt(limit)}{margin}"
    verdict = meaning[0] if passed else meaning[1]
    return RuleOutcome(
        rule.text,
        rule.metric,
        value,
        low,
        high,
        rule.margin,
        passed,
        f"{'passed' if passed else 'failed'}: {numbers}; {test}: {verdict}",
    )


def evaluate_gate(
    deltas: Mapping[str, MetricDelta],
    rules: Sequence[GateRule] = DEFAULT_RULES,
    *,
    confidence: float = 0.95,
) -> GateVerdict:
    """Judge the paired deltas (challenger - champion, e.g. ``ModelComparison.deltas``).

    ``confidence`` is the level of the deltas' intervals (for the reasons). An undefined delta or
    a missing interval fails its rule (with the comparison's reason). DataError without rules.
    """
    if not rules:
        raise DataError(f"a gate needs at least one rule: {RULE_FORMS}.")
    level = f"{confidence * 100:g}%"
    outcomes = tuple(_judge(rule, deltas.get(rule.metric), level) for rule in rules)
    return GateVerdict(all(o.passed for o in outcomes), outcomes, confidence)


@dataclass(frozen=True)
class GateCheck:
    """A gate verdict for one pair of versions of a model, on one test set."""

    champion_version: str
    challenger_version: str
    verdict: GateVerdict
    dataset_fingerprint: str
    rows: int
    source: str

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    def to_dict(self) -> dict[str, Any]:
        """Everything, for JSON output: versions, test set and every rule with its reason."""
        return {
            "champion": self.champion_version,
            "challenger": self.challenger_version,
            "dataset": {
                "fingerprint": self.dataset_fingerprint,
                "rows": self.rows,
                "source": self.source,
            },
            **self.verdict.to_dict(),
        }

    def to_record(self) -> dict[str, Any]:
        """What the history keeps: versions, test set, and each rule's numbers (no prose)."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 6)

        return {
            "passed": self.passed,
            "champion": self.champion_version,
            "challenger": self.challenger_version,
            "confidence": self.verdict.confidence,
            "dataset": self.dataset_fingerprint[:16],
            "rows": self.rows,
            "rules": [
                {
                    "rule": r.rule,
                    "delta": rounded(r.delta),
                    "ci_low": rounded(r.ci_low),
                    "ci_high": rounded(r.ci_high),
                    "passed": r.passed,
                }
                for r in self.verdict.rules
            ],
        }
