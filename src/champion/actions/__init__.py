"""Promote and roll back: the only code that writes to the model registry.

``promote`` and ``rollback`` move an alias (``@champion`` by default) with compare-and-set under a
lock that lives in the registry, and record every attempt in the registered model's tags;
``read_history`` reads that record back and ``verify_history`` checks it is intact. The gate a
promotion is judged by comes from the composer (``champion.workspace``). The command line and
the dashboard both call these. See docs/promote-and-rollback.md for the design.
"""

from champion.actions.audit import (
    HistoryEntry,
    decode_entry,
    default_user,
    encode_entry,
    read_history,
)
from champion.actions.lock import AliasLockTimeout, LockLost, LockSettings
from champion.actions.promotion import promote
from champion.actions.rollback import rollback, rollback_target
from champion.actions.status import AliasStatus, alias_status, former_holders
from champion.actions.steps import ActionResult
from champion.actions.verify import HistoryProblem, verify_history

__all__ = [
    "ActionResult",
    "AliasLockTimeout",
    "AliasStatus",
    "HistoryEntry",
    "HistoryProblem",
    "LockLost",
    "LockSettings",
    "alias_status",
    "decode_entry",
    "default_user",
    "encode_entry",
    "former_holders",
    "promote",
    "read_history",
    "rollback",
    "rollback_target",
    "verify_history",
]
