"""Where an alias stands, and which versions held it before: read from the history.

``alias_status`` tells a deleted champion from an alias that was never set (MLflow drops the alias
of a deleted version without a trace); ``former_holders`` replays the applied entries to find the
version a rollback returns to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from champion.actions.audit import HistoryEntry, format_time, took_effect
from champion.models import RegistryStateReader


@dataclass(frozen=True)
class AliasStatus:
    """Where an alias points now, and what history says about it.

    ``version``: the current version (None: the alias is not set). ``last_applied``: the latest
    applied entry. ``deleted_version``: when the alias is not set and the version that last held
    it no longer exists (MLflow drops the alias of a deleted version without a trace).
    """

    model: str
    alias: str
    version: str | None
    last_applied: HistoryEntry | None
    deleted_version: str | None

    @property
    def text(self) -> str:
        """``@champion -> version 3`` or ``no current champion (version 2, ... was deleted)``."""
        if self.version is not None:
            return f"@{self.alias} -> version {self.version}"
        last = self.last_applied
        if self.deleted_version is not None:
            when = (
                f", last promoted {format_time(last.at)} by {last.user}"
                if last is not None and last.to_version == self.deleted_version
                else ""
            )
            return f"no current {self.alias} (version {self.deleted_version}{when}, was deleted)"
        if last is not None and last.to_version is not None:
            return (
                f"no current {self.alias} (@{self.alias} was removed outside champion; "
                f"version {last.to_version} held it last)"
            )
        return f"no current {self.alias} (@{self.alias} is not set)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "version": self.version,
            "deleted_version": self.deleted_version,
            "text": self.text,
        }


def alias_status(
    reader: RegistryStateReader,
    name: str,
    alias: str,
    current: str | None,
    entries: Sequence[HistoryEntry],
) -> AliasStatus:
    """The status of ``alias`` given its current value and the model's history entries."""
    applied = [e for e in entries if e.alias == alias and e.outcome == "applied"]
    last = max(applied, key=lambda e: e.seq) if applied else None
    deleted = None
    if current is None:
        # the version that held the alias last, according to history
        moved = [e for e in entries if e.alias == alias and e.to_version and took_effect(e)]
        holder = max(moved, key=lambda e: e.seq).to_version if moved else None
        if holder is not None and not reader.version_exists(name, holder):
            deleted = holder
    return AliasStatus(name, alias, current, last, deleted)


def former_holders(entries: Sequence[HistoryEntry], alias: str, current: str | None) -> list[str]:
    """Versions that held ``alias`` before its current holder, most recent first.

    The entries that moved the alias (``took_effect``) are replayed as a stack of holders: a
    promotion pushes its version (and the version it replaced, when the alias had been moved
    outside champion); a rollback to a version on the stack pops back to it, so rolling back
    twice goes further back rather than forth.
    The current holder (or, when the alias was moved outside champion, nothing) is left out.
    """
    stack: list[str] = []
    applied = sorted(
        (e for e in entries if e.alias == alias and took_effect(e)), key=lambda e: e.seq
    )
    for entry in applied:
        target = entry.to_version
        if entry.action == "rollback" and target in stack:
            while stack[-1] != target:
                stack.pop()
            continue
        if entry.from_version is not None and (not stack or stack[-1] != entry.from_version):
            stack.append(entry.from_version)
        if target is not None and (not stack or stack[-1] != target):
            stack.append(target)
    while stack and stack[-1] == current:
        stack.pop()
    return list(dict.fromkeys(reversed(stack)))
