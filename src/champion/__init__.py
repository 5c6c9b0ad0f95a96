"""champion: decide, with evidence, which version of a classifier should be in production.

>>> from champion import evaluate, compare
>>> report = evaluate(y_true, y_score)                      # doctest: +SKIP
>>> result = compare(y_true, {"initial": s1, "new": s2})    # doctest: +SKIP

The engine (``champion.evaluation``, numpy) loads on first use of its names, so that
``import champion`` and ``champion --help`` stay instant.
"""

import typing as _typing

from champion.errors import ChampionError, DataError
from champion.lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:
    from champion.evaluation import Comparison, EvaluationReport, compare, evaluate

# the one place the version is written: pyproject.toml reads it from here (setuptools, without
# importing champion), importlib.metadata.version("champion") and `champion --version` agree
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

# public name -> the module that defines it, imported on first access (PEP 562); the module's
# own imports have private names, so that its public namespace stays what __all__ says
_LAZY = {
    "Comparison": "champion.evaluation",
    "EvaluationReport": "champion.evaluation",
    "compare": "champion.evaluation",
    "evaluate": "champion.evaluation",
}


if not _typing.TYPE_CHECKING:  # mypy reads the imports above, so it still flags unknown names
    __getattr__, __dir__ = _lazy_names(__name__, _LAZY, globals())
