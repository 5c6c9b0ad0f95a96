"""The one composer: resolve models, score them once per host, evaluate, compare, slice and
gate them, with every result kept on disk under a key of its content and computed once however
many workers or commands ask. The command line, the dashboard and the promotion gate all go
through ``Workspace``.
"""

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
