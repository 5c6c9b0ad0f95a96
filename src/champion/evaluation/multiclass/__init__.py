"""Multiclass classifiers: metrics of the predicted class, of the probabilities and of their
ranking, each equal to scikit-learn's (numpy only, as the rest of the engine).

``classes`` gives the column order, in any order (the model's ``classes_``). scikit-learn wants
the columns in sorted label order (its ``roc_auc_score`` and ``top_k_accuracy_score`` refuse
other ``labels``, its ``log_loss`` and ``brier_score_loss`` assume it): each value here equals
scikit-learn's on the same columns sorted by label. The top-label ECE has no scikit-learn
counterpart. One-vs-rest and one-vs-one ranking reuse the binary counting kernel, so a
multiclass AUC is a binary AUC of the engine; see :mod:`.report` for the metric names and cost.
"""

from champion.evaluation.multiclass.confusion import ConfusionMatrix
from champion.evaluation.multiclass.inputs import MulticlassInput, multiclass_input
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
    "ClassMetrics",
    "ConfusionMatrix",
    "MulticlassInput",
    "MulticlassReport",
    "evaluate_multiclass",
    "multiclass_input",
    "multiclass_report",
    "top_k_accuracy",
]
