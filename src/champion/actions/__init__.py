"""Promote and roll back: the only code that writes to the model registry.

``promote`` and ``rollback`` move an alias (``@champion`` by default) with compare-and-set under a
lock that lives in the registry, and record every attempt in the registered model's tags;
``read_history`` reads that record back; ``check_gate`` compares a challenger with the current
champion on a test set before a promotion. The command line and the dashboard both call these.
See docs/promote-and-rollback.md for the design.
"""

from champion.actions.audit import (
    HistoryEntry,
    decode_entry,
    default_user,
    encode_entry,
    read_history,
)
from champion.actions.gate import GateCheck, check_gate
from champion.actions.lock import AliasLockTimeout, LockLost, LockSettings
from champion.actions.promotion import promote
from champion.actions.rollback import previous_holder, rollback, rollback_target
from champion.actions.status import AliasStatus, alias_status, former_holders
from champion.actions.steps import ActionResult

__all__ = [
    "ActionResult",
    "AliasLockTimeout",
    "AliasStatus",
    "GateCheck",
    "HistoryEntry",
    "LockLost",
    "LockSettings",
    "alias_status",
    "check_gate",
    "decode_entry",
    "default_user",
    "encode_entry",
    "former_holders",
    "previous_holder",
    "promote",
    "read_history",
    "rollback",
    "rollback_target",
]
