"""Promotion gates: rules on the paired difference challenger - champion, judged on its interval.

A rule names a metric of :data:`~champion.evaluation.metrics.METRICS` (binary) or of
:data:`~champion.evaluation.multiclass.report.MULTICLASS_METRICS` (e.g. ``f1_macro``) and a kind:

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

Each rule is also a one-sided test, with its own p-value: ``superior`` and ``non-inferior`` pass
by rejecting "the challenger is worse than the limit" at level (1 - confidence) / 2, the level
of the interval's side; ``not-worse`` fails by rejecting "the challenger is not worse". Rules of
one gate combine by "all must pass" (an intersection-union test), which needs no adjustment.
Gating several challengers at once is a family (:func:`evaluate_gates`): with Holm's adjustment
across the challengers, for each ``superior`` / ``non-inferior`` rule, the chance that any
challenger no better than the limit passes stays at that level. ``not-worse`` rules are never
adjusted: a larger p-value would only make failing harder.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

from champion.errors import DataError
from champion.evaluation.compare import MetricDelta
from champion.evaluation.metrics import METRIC_NAMES, SPECS, MetricSpec
from champion.evaluation.multiclass.report import MULTICLASS_METRIC_NAMES, MULTICLASS_METRICS
from champion.evaluation.multiplicity import holm

# the metrics a rule may name: binary and multiclass; a name in both (accuracy, log_loss, ...)
# has the same label and direction in both tables
GATE_SPECS: dict[str, MetricSpec] = {**{s.name: s for s in MULTICLASS_METRICS}, **SPECS}

RuleKind = Literal["not-worse", "superior", "non-inferior"]
RULE_KINDS: tuple[RuleKind, ...] = ("not-worse", "superior", "non-inferior")
Adjust = Literal["auto", "holm", "none"]
ADJUSTMENTS: tuple[Adjust, ...] = ("auto", "holm", "none")

RULE_FORMS = (
    "METRIC:not-worse (e.g. roc_auc:not-worse), METRIC:superior (e.g. roc_auc:superior) or "
    "METRIC:non-inferior:MARGIN (e.g. roc_auc:non-inferior:0.01, recall:non-inferior:0.02)"
)


@dataclass(frozen=True)
class GateRule:
    """One rule: ``metric`` (a GATE_SPECS name), ``kind`` and, for non-inferior, ``margin`` >= 0."""

    metric: str
    kind: RuleKind
    margin: float = 0.0

    @property
    def text(self) -> str:
        """The rule as it is written: ``roc_auc:non-inferior:0.01``."""
        if self.kind == "non-inferior":
            return f"{self.metric}:{self.kind}:{self.margin:g}"
        return f"{self.metric}:{self.kind}"

    @property
    def passes_by_rejecting(self) -> bool:
        """True when passing rejects a hypothesis (superior, non-inferior): the rules a family
        of challengers adjusts for."""
        return self.kind != "not-worse"

    def limit(self) -> tuple[float, bool]:
        """(limit, above): the rule's one-sided test shows the difference lies above the limit
        (above=True) or below it. superior / non-inferior show "better than the limit"; not-worse
        fails on showing "worse than 0"."""
        up = GATE_SPECS[self.metric].greater_is_better
        if self.kind == "not-worse":
            return 0.0, not up
        if self.kind == "superior":
            return 0.0, up
        return (-self.margin if up else self.margin), up


DEFAULT_RULES: tuple[GateRule, ...] = (GateRule("roc_auc", "not-worse"),)
#: the default on a test set of three or more classes: the one-vs-rest macro ROC AUC
MULTICLASS_DEFAULT_RULES: tuple[GateRule, ...] = (GateRule("roc_auc_ovr_macro", "not-worse"),)


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
    p_value: float | None = None
    p_adjusted: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; p_value is the rule's one-sided p, p_adjusted its Holm-adjusted value
        across the challengers gated together (None when not adjusted)."""
        return {
            "rule": self.rule,
            "metric": self.metric,
            "delta": self.delta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "margin": self.margin,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "passed": self.passed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class GateVerdict:
    """All rules' outcomes; ``passed`` when every rule passed. ``confidence``: the CI level;
    ``family``: how many challengers were gated together (Holm-adjusted when ``adjusted``)."""

    passed: bool
    rules: tuple[RuleOutcome, ...]
    confidence: float
    family: int = 1
    adjusted: bool = False

    @property
    def summary(self) -> str:
        """One line: ``passed`` / ``failed``, then each rule's text and result."""
        parts = ", ".join(f"{r.rule} {'ok' if r.passed else 'FAILED'}" for r in self.rules)
        return f"{'passed' if self.passed else 'failed'} ({parts})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "confidence": self.confidence,
            "adjustment": {"method": "holm" if self.adjusted else "none", "family": self.family},
            "rules": [r.to_dict() for r in self.rules],
        }


def _bad_rule(text: str, why: str) -> DataError:
    return DataError(
        f"cannot read the gate rule {text!r}: {why}. Write {RULE_FORMS}; binary metrics: "
        f"{', '.join(METRIC_NAMES)}; multiclass metrics: {', '.join(MULTICLASS_METRIC_NAMES)}."
    )


def parse_rule(text: str) -> GateRule:
    """``"roc_auc:non-inferior:0.01"`` -> GateRule; DataError naming the valid forms."""
    parts = [p.strip() for p in text.strip().split(":")]
    if len(parts) < 2 or not all(parts):
        raise _bad_rule(text, "a rule is METRIC:KIND[:MARGIN]")
    metric, kind = parts[0].lower(), parts[1].lower()
    if metric not in GATE_SPECS:
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


def rule_p_value(rule: GateRule, delta: MetricDelta | None) -> float | None:
    """The one-sided p-value of the rule's test on delta (see :meth:`GateRule.limit`): from the
    normal distribution of the difference (DeLong, delta method: ``delta.se``) or the share of
    the paired bootstrap's differences on the other side of the limit, (k + 1) / (B + 1).
    None when the difference or its distribution is unknown."""
    if delta is None or delta.delta is None:
        return None
    limit, above = rule.limit()
    gap = delta.delta - limit if above else limit - delta.delta
    if delta.se is not None:
        if delta.se == 0.0:
            return 0.0 if gap > 0 else 1.0
        return NormalDist().cdf(-gap / delta.se)
    if delta.resampled is not None:
        finite = delta.resampled[~np.isnan(delta.resampled)]
        if finite.size:
            beyond = np.count_nonzero(finite <= limit if above else finite >= limit)
            return float((beyond + 1) / (finite.size + 1))
    return None


def _unknown(rule: GateRule, delta: MetricDelta | None, level: str) -> RuleOutcome:
    spec = GATE_SPECS[rule.metric]
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


def _meaning(rule: GateRule) -> tuple[str, str]:
    if rule.kind == "not-worse":
        return "not significantly worse", "significantly worse"
    if rule.kind == "superior":
        return "significantly better", "not shown to be better"
    return "worse by less than the margin, if at all", "may be worse by more than the margin"


def _interval_test(rule: GateRule, low: float, high: float) -> tuple[bool, str]:
    """Whether the interval's side the rule looks at is beyond its limit, and the words."""
    limit, above = rule.limit()
    # superior / non-inferior look at the bound nearest the limit on the side they must show;
    # not-worse fails when the whole interval lies on the worse side
    if rule.passes_by_rejecting:
        side, op = ("lower", ">") if above else ("upper", "<")
    else:
        side, op = ("upper", ">=") if not above else ("lower", "<=")
    bound = low if side == "lower" else high
    passed = _OPS[op](bound, limit)
    relation = op if passed else f"is not {op}"
    margin = " (margin)" if rule.kind == "non-inferior" else ""
    return passed, f"{side} bound {_fmt(bound)} {relation} {_fmt(limit)}{margin}"


def _holm_test(
    p_raw: float | None, p_holm: float | None, family: int, alpha: float
) -> tuple[bool, str]:
    """Whether the Holm-adjusted one-sided p is below alpha / 2, the level of the interval's
    side."""
    level = alpha / 2.0
    if p_holm is None or p_raw is None:
        return False, f"no one-sided p-value to adjust across {family} challengers (Holm)"
    passed = p_holm < level
    relation = "<" if passed else ">="
    return passed, (
        f"one-sided p {p_raw:.3g}, Holm-adjusted across {family} challengers {p_holm:.3g} "
        f"{relation} {level:g}"
    )


def _judge(
    rule: GateRule,
    delta: MetricDelta | None,
    confidence: float,
    adjusted: tuple[float | None, int] | None = None,
) -> RuleOutcome:
    """One rule on one difference; adjusted: (Holm-adjusted p, family size) when the rule is
    judged as part of a family, else the interval decides."""
    level = f"{confidence * 100:g}%"
    if delta is None or delta.delta is None or delta.ci_low is None or delta.ci_high is None:
        return _unknown(rule, delta, level)
    low, high, value = delta.ci_low, delta.ci_high, delta.delta
    label = GATE_SPECS[rule.metric].label
    numbers = f"{label} difference {_fmt(value)} [{level} CI {_fmt(low)}, {_fmt(high)}]"
    p_raw = rule_p_value(rule, delta)
    p_holm = None
    if adjusted is not None and rule.passes_by_rejecting:
        p_holm = adjusted[0]
        passed, test = _holm_test(p_raw, p_holm, adjusted[1], 1.0 - confidence)
    else:
        passed, test = _interval_test(rule, low, high)
    verdict = _meaning(rule)[0 if passed else 1]
    return RuleOutcome(
        rule.text,
        rule.metric,
        value,
        low,
        high,
        rule.margin,
        passed,
        f"{'passed' if passed else 'failed'}: {numbers}; {test}: {verdict}",
        p_raw,
        p_holm,
    )


def evaluate_gate(
    deltas: Mapping[str, MetricDelta],
    rules: Sequence[GateRule] = DEFAULT_RULES,
    *,
    confidence: float = 0.95,
) -> GateVerdict:
    """Judge the paired deltas (challenger - champion, e.g. ``ModelComparison.deltas``) of one
    challenger on its interval.

    ``confidence`` is the level of the deltas' intervals (for the reasons). An undefined delta or
    a missing interval fails its rule (with the comparison's reason). DataError without rules.
    """
    if not rules:
        raise DataError(f"a gate needs at least one rule: {RULE_FORMS}.")
    outcomes = tuple(_judge(rule, deltas.get(rule.metric), confidence) for rule in rules)
    return GateVerdict(all(o.passed for o in outcomes), outcomes, confidence)


def evaluate_gates(
    challengers: Mapping[str, Mapping[str, MetricDelta]],
    rules: Sequence[GateRule] = DEFAULT_RULES,
    *,
    confidence: float = 0.95,
    adjust: Adjust = "auto",
) -> dict[str, GateVerdict]:
    """Gate several challengers (name -> its deltas against the same champion) together.

    adjust "holm" adjusts each superior / non-inferior rule's one-sided p-values across the
    challengers (Holm), and a rule passes when its adjusted p is below (1 - confidence) / 2;
    "none" judges each challenger alone on its interval; "auto" is holm with more than one
    challenger. With one challenger both agree (up to the bootstrap's 1 / B).
    """
    if not rules:
        raise DataError(f"a gate needs at least one rule: {RULE_FORMS}.")
    if adjust not in ADJUSTMENTS:
        raise DataError(f"--adjust must be one of {', '.join(ADJUSTMENTS)}, not {adjust!r}.")
    names = list(challengers)
    family = len(names)
    if adjust == "none" or (adjust == "auto" and family < 2):
        return {n: evaluate_gate(challengers[n], rules, confidence=confidence) for n in names}
    adjusted = {
        rule: dict(
            zip(
                names,
                holm([rule_p_value(rule, challengers[n].get(rule.metric)) for n in names]),
                strict=True,
            )
        )
        for rule in rules
    }
    verdicts = {}
    for name in names:
        outcomes = tuple(
            _judge(
                rule, challengers[name].get(rule.metric), confidence, (adjusted[rule][name], family)
            )
            for rule in rules
        )
        verdicts[name] = GateVerdict(
            all(o.passed for o in outcomes), outcomes, confidence, family, True
        )
    return verdicts


@dataclass(frozen=True)
class GateCheck:
    """A gate verdict for one pair of versions of a model, on one test set."""

    champion_version: str
    challenger_version: str
    verdict: GateVerdict
    dataset_fingerprint: str
    rows: int
    source: str
    chosen_from: tuple[str, ...] = ()

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
            "chosen_from": list(self.chosen_from),
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
            **({"chosen_from": list(self.chosen_from)} if self.chosen_from else {}),
            **({"adjusted": "holm"} if self.verdict.adjusted else {}),
            "rules": [
                {
                    "rule": r.rule,
                    "delta": rounded(r.delta),
                    "ci_low": rounded(r.ci_low),
                    "ci_high": rounded(r.ci_high),
                    **({"p_holm": rounded(r.p_adjusted)} if r.p_adjusted is not None else {}),
                    "passed": r.passed,
                }
                for r in self.verdict.rules
            ],
        }
