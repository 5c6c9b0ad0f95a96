"""The one composer: resolve models, score them once per host, evaluate, compare, slice and
gate them, with every result kept on disk under a key of its content and computed once however
many workers or commands ask. The command line, the dashboard and the promotion gate all go
through ``Workspace``.

The names below load on first use (PEP 562), so a command that only needs the defaults of
``keys`` does not import pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from champion.lazy import lazy_names

if TYPE_CHECKING:
    from champion.workspace.analyses import Disagreements
    from champion.workspace.keys import (
        DEFAULT_CONFIDENCE,
        DEFAULT_N_BOOT,
        DEFAULT_SEED,
        DEFAULT_THRESHOLD,
        ModelKey,
        Statistics,
        version_label,
    )
    from champion.workspace.results import Job, ResultStore
    from champion.workspace.scores import ProgressHook, ScoredModel, ScoringPolicy
    from champion.workspace.workspace import Workspace

_WHERE = {
    "Disagreements": "analyses",
    "DEFAULT_CONFIDENCE": "keys",
    "DEFAULT_N_BOOT": "keys",
    "DEFAULT_SEED": "keys",
    "DEFAULT_THRESHOLD": "keys",
    "ModelKey": "keys",
    "Statistics": "keys",
    "version_label": "keys",
    "Job": "results",
    "ResultStore": "results",
    "ProgressHook": "scores",
    "ScoredModel": "scores",
    "ScoringPolicy": "scores",
    "Workspace": "workspace",
}

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_N_BOOT",
    "DEFAULT_SEED",
    "DEFAULT_THRESHOLD",
    "Disagreements",
    "Job",
    "ModelKey",
    "ProgressHook",
    "ResultStore",
    "ScoredModel",
    "ScoringPolicy",
    "Statistics",
    "Workspace",
    "version_label",
]


if not TYPE_CHECKING:  # mypy reads the imports above, so it still flags unknown names
    __getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
