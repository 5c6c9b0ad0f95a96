"""champion: decide, with evidence, which version of a classifier should be in production.

>>> from champion import evaluate, compare
>>> report = evaluate(y_true, y_score)                      # doctest: +SKIP
>>> result = compare(y_true, {"initial": s1, "new": s2})    # doctest: +SKIP
"""

from champion.errors import ChampionError, DataError
from champion.evaluation import Comparison, EvaluationReport, compare, evaluate

__version__ = "0.1.0"

__all__ = [
    "ChampionError",
    "Comparison",
    "DataError",
    "EvaluationReport",
    "__version__",
    "compare",
    "evaluate",
]
