"""Is the history intact? Its hash chain, and whether the alias still holds what it says.

Any account with EDIT on a model can change or delete its tags, or move an alias without
champion. Each entry carries ``prev``, the hash of the stored entry before it of the same alias
(see ``champion.actions.audit``), so ``verify_history`` finds an entry changed, deleted or
moved to another number after the next one was written, and an alias that no longer holds the
version its last applied entry set ("moved outside champion").

Limits: the newest entry is covered once the entry after it is written, and someone who rewrites
every later entry with fresh hashes is not detected (the chain has no secret); copy the history
elsewhere when that matters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from champion.actions.audit import (
    HistoryEntry,
    decode_entry,
    entry_hash,
    history_key,
    parse_history_key,
    read_history,
    took_effect,
)
from champion.models import RegistryStateReader


@dataclass(frozen=True)
class HistoryProblem:
    """One finding: ``kind`` is changed, missing, reordered or moved; ``seq`` the entry (None
    for the alias itself); ``message`` one line for people."""

    alias: str
    seq: int | None
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "seq": self.seq, "kind": self.kind, "message": self.message}


def _written_seq(value: str) -> object:
    """The ``seq`` written inside a stored entry (None when it has none)."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data.get("seq") if isinstance(data, dict) else None


def _entry_problem(
    alias: str, seq: int, raw: Mapping[int, str], chained: bool
) -> tuple[str, str] | None:
    """What is wrong with entry ``seq`` or its link to the one before: (kind, message)."""
    entry = decode_entry(history_key(alias, seq), raw[seq])
    if entry is None or entry.outcome == "unreadable":
        return "changed", f"entry #{seq} was changed: it is not a champion record"
    written = _written_seq(raw[seq])
    if written != seq:
        return "reordered", f"entry #{seq} was moved: it was written as entry #{written}"
    if entry.prev is None:
        return ("changed", f"entry #{seq} has no link to the entry before it") if chained else None
    if seq - 1 not in raw:  # a gap, reported as missing; entry #1 links to nothing
        bad = seq == 1 and entry.prev != ""
        return ("changed", "entry #1 links to an entry that never existed") if bad else None
    if entry.prev == entry_hash(raw[seq - 1]):
        return None
    linked = [s for s, value in sorted(raw.items()) if entry_hash(value) == entry.prev]
    if linked:
        return "reordered", f"entry #{seq} was written after entry #{linked[0]}, not #{seq - 1}"
    return "changed", f"entry #{seq - 1} was changed after entry #{seq} was written"


def _about(seq: int, message: str) -> int:
    """The entry a message is about: the one before, for a changed predecessor."""
    return seq - 1 if message.endswith(f"after entry #{seq} was written") else seq


def _chain_problems(alias: str, raw: Mapping[int, str]) -> list[HistoryProblem]:
    """Missing numbers, unreadable, renumbered and unlinked entries of one alias."""
    problems = [
        HistoryProblem(alias, seq, "missing", f"entry #{seq} is missing")
        for seq in range(1, max(raw, default=0) + 1)
        if seq not in raw
    ]
    chained = False
    for seq in sorted(raw):
        found = _entry_problem(alias, seq, raw, chained)
        if found is not None:
            problems.append(HistoryProblem(alias, _about(seq, found[1]), *found))
        entry = decode_entry(history_key(alias, seq), raw[seq])
        chained = chained or (entry is not None and entry.prev is not None)
    return sorted(problems, key=lambda p: p.seq or 0)


def _alias_problem(
    reader: RegistryStateReader,
    name: str,
    alias: str,
    current: str | None,
    entries: list[HistoryEntry],
) -> HistoryProblem | None:
    """ "moved outside champion" when the alias differs from its last applied entry (a deleted
    version, which MLflow unsets the alias of, and a change in progress are no problem)."""
    if not entries or entries[-1].outcome == "pending":
        return None
    moved = [e for e in entries if took_effect(e)]
    if not moved or moved[-1].to_version == current:
        return None
    last = moved[-1]
    if current is None and last.to_version and not reader.version_exists(name, last.to_version):
        return None
    now = "not set" if current is None else f"version {current}"
    return HistoryProblem(
        alias,
        None,
        "moved",
        f"@{alias} moved outside champion: now {now} (entry #{last.seq} set version "
        f"{last.to_version})",
    )


def verify_history(
    reader: RegistryStateReader,
    name: str,
    alias: str | None = None,
    *,
    now: datetime | None = None,
) -> list[HistoryProblem]:
    """Every problem of ``name``'s history (of ``alias``, or of every alias with entries):
    entries changed, missing or reordered, and aliases moved outside champion. Empty: intact."""
    state = reader.model_state(name)
    raw: dict[str, dict[int, str]] = {}
    for key, value in state.tags.items():
        parsed = parse_history_key(key)
        if parsed is not None and (alias is None or parsed[0] == alias):
            raw.setdefault(parsed[0], {})[parsed[1]] = value
    resolved = read_history(reader, name, alias, now=now)
    problems: list[HistoryProblem] = []
    for each in sorted(raw):
        problems += _chain_problems(each, raw[each])
        entries = sorted((e for e in resolved if e.alias == each), key=lambda e: e.seq)
        moved = _alias_problem(reader, name, each, state.aliases.get(each), entries)
        problems += [moved] if moved is not None else []
    return problems
