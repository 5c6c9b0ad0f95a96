"""The evaluation engine: numpy only (plus the standard library).

Exact metrics and curves from one counting kernel, DeLong / Wilson / bootstrap intervals, paired
tests between models. Nothing here imports pandas, mlflow, plotly or dash.
"""

from champion.evaluation.agreement import Agreement, paired_agreement
from champion.evaluation.calibration import Calibration
from champion.evaluation.compare import Comparison, MetricDelta, ModelComparison, compare
from champion.evaluation.counts import BinaryCounts, Confusion
from champion.evaluation.curves import CurveView, GainCurve, PrCurve, RocCurve
from champion.evaluation.delong import DelongTest
from champion.evaluation.estimates import MetricEstimate
from champion.evaluation.gates import (
    ADJUSTMENTS,
    DEFAULT_RULES,
    GateCheck,
    GateRule,
    GateVerdict,
    RuleOutcome,
    evaluate_gate,
    evaluate_gates,
    parse_rule,
    parse_rules,
    rule_p_value,
)
from champion.evaluation.metrics import METRIC_NAMES, METRICS, MetricSpec
from champion.evaluation.report import EvaluationReport, ThresholdPoint, evaluate
from champion.evaluation.slices import SliceRow, SliceTable, WorstSlice, slice_metrics
from champion.evaluation.stats import McNemarTest
from champion.evaluation.sweep import OperatingPoint, ThresholdSweep

__all__ = [
    "ADJUSTMENTS",
    "DEFAULT_RULES",
    "METRICS",
    "METRIC_NAMES",
    "Agreement",
    "BinaryCounts",
    "Calibration",
    "Comparison",
    "Confusion",
    "CurveView",
    "DelongTest",
    "EvaluationReport",
    "GainCurve",
    "GateCheck",
    "GateRule",
    "GateVerdict",
    "McNemarTest",
    "MetricDelta",
    "MetricEstimate",
    "MetricSpec",
    "ModelComparison",
    "OperatingPoint",
    "PrCurve",
    "RocCurve",
    "RuleOutcome",
    "SliceRow",
    "SliceTable",
    "ThresholdPoint",
    "ThresholdSweep",
    "WorstSlice",
    "compare",
    "evaluate",
    "evaluate_gate",
    "evaluate_gates",
    "paired_agreement",
    "parse_rule",
    "parse_rules",
    "rule_p_value",
    "slice_metrics",
]
