"""Multiclass classifiers: metrics of the predicted class, of the probabilities and of their
ranking, each equal to scikit-learn's (numpy only, as the rest of the engine).

``classes`` gives the column order, in any order (the model's ``classes_``). scikit-learn wants
the columns in sorted label order (its ``roc_auc_score`` and ``top_k_accuracy_score`` refuse
other ``labels``, its ``log_loss`` and ``brier_score_loss`` assume it): each value here equals
scikit-learn's on the same columns sorted by label. The top-label ECE has no scikit-learn
counterpart. One-vs-rest and one-vs-one ranking reuse the binary counting kernel, so a
multiclass AUC is a binary AUC of the engine; see :mod:`.report` for the metric names and cost.
"""

from champion.evaluation.multiclass.align import AlignedClasses, align_classes
from champion.evaluation.multiclass.compare import (
    ClassDeltas,
    MulticlassComparison,
    MulticlassModelComparison,
    compare_multiclass,
)
from champion.evaluation.multiclass.confusion import ConfusionMatrix
from champion.evaluation.multiclass.curves import class_curves
from champion.evaluation.multiclass.decision import (
    CoverageCurve,
    DecisionTable,
    TopKRow,
    coverage_curve,
    decision_table,
)
from champion.evaluation.multiclass.inputs import MulticlassInput, multiclass_input
from champion.evaluation.multiclass.intervals import (
    MulticlassEvaluation,
    evaluate_multiclass_intervals,
)
from champion.evaluation.multiclass.probability import top_k_accuracy
from champion.evaluation.multiclass.report import (
    MULTICLASS_METRIC_NAMES,
    MULTICLASS_METRICS,
    ClassMetrics,
    MulticlassReport,
    evaluate_multiclass,
    multiclass_report,
)

__all__ = [
    "MULTICLASS_METRICS",
    "MULTICLASS_METRIC_NAMES",
    "AlignedClasses",
    "ClassDeltas",
    "ClassMetrics",
    "ConfusionMatrix",
    "CoverageCurve",
    "DecisionTable",
    "MulticlassComparison",
    "MulticlassEvaluation",
    "MulticlassInput",
    "MulticlassModelComparison",
    "MulticlassReport",
    "TopKRow",
    "align_classes",
    "class_curves",
    "compare_multiclass",
    "coverage_curve",
    "decision_table",
    "evaluate_multiclass",
    "evaluate_multiclass_intervals",
    "multiclass_input",
    "multiclass_report",
    "top_k_accuracy",
]
