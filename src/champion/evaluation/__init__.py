"""The evaluation engine: numpy only (plus the standard library).

Exact metrics and curves from one counting kernel, DeLong / Wilson / bootstrap intervals, paired
tests between models. Nothing here imports pandas, mlflow, plotly or dash.
"""

from champion.evaluation.calibration import Calibration
from champion.evaluation.compare import Agreement, Comparison, MetricDelta, ModelComparison, compare
from champion.evaluation.counts import BinaryCounts, Confusion
from champion.evaluation.curves import CurveView, GainCurve, PrCurve, RocCurve
from champion.evaluation.delong import DelongTest
from champion.evaluation.estimates import MetricEstimate
from champion.evaluation.metrics import METRIC_NAMES, METRICS, MetricSpec
from champion.evaluation.report import EvaluationReport, ThresholdPoint, evaluate
from champion.evaluation.stats import McNemarTest
from champion.evaluation.sweep import OperatingPoint, ThresholdSweep

__all__ = [
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
    "McNemarTest",
    "MetricDelta",
    "MetricEstimate",
    "MetricSpec",
    "ModelComparison",
    "OperatingPoint",
    "PrCurve",
    "RocCurve",
    "ThresholdPoint",
    "ThresholdSweep",
    "compare",
    "evaluate",
]
