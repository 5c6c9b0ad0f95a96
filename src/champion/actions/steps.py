"""The steps promote and rollback share: check, lock, compare-and-set, record, move, verify.

1. check the request (a reason, an existing version, a gate verdict for exactly this pair);
2. take the registry lock on ``model@alias`` (``champion.actions.lock``);
3. re-read the alias: if it no longer holds ``expected`` (the version the caller saw), record a
   ``conflict`` and stop: compare-and-set, so a decision taken on a stale view is never applied;
4. decide (gate passed, forced, or refused) and record ``refused`` attempts;
5. record a ``pending`` entry, check the lock is still ours, move the alias, read it back, check
   the lock is still ours once more (if not: a conflict), and mark the entry ``applied``;
6. release the lock, however the steps ended.

A dry run does steps 1 and 4 on what it reads, and writes nothing (no lock, no history).
Entries left ``pending`` by a writer that vanished are marked ``interrupted`` by the next writer
(under the lock) and reported so by ``read_history`` meanwhile.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from champion.actions.audit import (
    HistoryEntry,
    encode_entry,
    entries_from_tags,
    entry_hash,
    history_key,
    interrupted,
    next_seq,
)
from champion.actions.lock import AliasLock, LockLost, LockSettings, holding
from champion.errors import ChampionError, ConcurrentAliasChange, DataError, GateFailed
from champion.evaluation import GateCheck
from champion.models import RegistryWriter

Outcome = Literal["applied", "conflict", "refused", "dry_run", "unchanged"]
Action = Literal["promote", "rollback"]


def describe(version: str | None) -> str:
    """``version 3``, or ``no version`` for an alias that is not set."""
    return "no version" if version is None else f"version {version}"


@dataclass(frozen=True)
class ActionResult:
    """What a promote or rollback did.

    ``outcome``: applied, conflict (the alias had moved: nothing written but the record),
    refused (the gate), unchanged (the alias already pointed there), dry_run (``planned`` then
    names what would have happened). ``from_version``: the alias's version when decided;
    ``seq``: the history entry written (None if none); ``notes``: anything else worth saying.
    """

    outcome: Outcome
    action: Action
    model: str
    alias: str
    from_version: str | None
    to_version: str | None
    seq: int | None
    gate: GateCheck | None
    forced: bool
    message: str
    planned: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "planned": self.planned,
            "action": self.action,
            "model": self.model,
            "alias": self.alias,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "seq": self.seq,
            "forced": self.forced,
            "gate": self.gate.to_dict() if self.gate is not None else None,
            "message": self.message,
            "notes": list(self.notes),
        }

    def raise_for_outcome(self) -> None:
        """ConcurrentAliasChange for a conflict, GateFailed for a refusal, else nothing; a dry
        run raises what its plan would have met, so a script can use it as a check."""
        outcome = self.planned if self.outcome == "dry_run" else self.outcome
        if outcome == "conflict":
            raise ConcurrentAliasChange(self.message)
        if outcome == "refused":
            raise GateFailed(self.message)


@dataclass(frozen=True)
class Plan:
    """What an attempt will do: its outcome, the message once done and as a dry run says it,
    whether it overrides the gate, and the note for the history entry."""

    outcome: Literal["applied", "conflict", "refused", "unchanged"]
    message: str
    preview: str
    forced: bool = False
    note: str | None = None


def applied_plan(
    move: str, detail: str = "", forced: bool = False, note: str | None = None
) -> Plan:
    """Moving the alias (``move``: "@champion from version 1 to version 2")."""
    return Plan("applied", f"moved {move}{detail}", f"would move {move}{detail}", forced, note)


def refused_plan(move: str, why: str) -> Plan:
    """Refusing to move the alias, saying why."""
    return Plan("refused", f"refused to move {move}: {why}", f"would refuse to move {move}: {why}")


def unchanged_plan(alias: str, version: str) -> Plan:
    """The alias already points at the version."""
    message = f"@{alias} already points at version {version}; nothing to do."
    return Plan("unchanged", message, message)


def clean_reason(reason: str) -> str:
    """The reason on one line; DataError if there is none."""
    text = " ".join(str(reason or "").split())
    if not text:
        raise DataError("give a reason for the change (--reason TEXT); it goes into the history.")
    return text


def conflict_plan(alias: str, expected: str | None, current: str | None) -> Plan:
    """The alias no longer holds what the caller saw: stop (compare-and-set)."""
    message = (
        f"{alias} changed: now {describe(current)} (you expected {describe(expected)}); nothing "
        "was moved. Look at the new state and decide again."
    )
    return Plan("conflict", message, f"would stop: {message}")


def record(writer: RegistryWriter, name: str, entry: HistoryEntry, notes: list[str]) -> bool:
    """Write an entry; on failure say so in ``notes`` (the outcome stands without it)."""
    try:
        writer.set_model_tag(name, entry.key, encode_entry(entry))
    except ChampionError as err:
        notes.append(f"history entry #{entry.seq} ({entry.outcome}) was not recorded: {err}")
        return False
    return True


def settle_abandoned(
    writer: RegistryWriter, name: str, entries: list[HistoryEntry], current: str | None, token: str
) -> str | None:
    """Mark the latest entry interrupted if its writer vanished while it was pending (we hold
    the lock, so it is not in progress); the value written, None if none. Earlier entries are
    left as they are: the entry after each one carries its hash. Best effort: ``read_history``
    reports abandoned entries correctly anyway."""
    if not entries or entries[-1].outcome != "pending" or entries[-1].token == token:
        return None
    value = encode_entry(interrupted(entries[-1], current))
    try:
        writer.set_model_tag(name, entries[-1].key, value)
    except ChampionError:
        return None
    return value


def chain_link(tags: Mapping[str, str], alias: str, seq: int, settled: str | None) -> str:
    """``prev`` of entry ``seq``: the hash of the stored value of entry ``seq - 1`` (``settled``
    when it was just rewritten), or "" when there is none."""
    value = settled if settled is not None else tags.get(history_key(alias, seq - 1))
    return "" if value is None else entry_hash(value)


def _joined(*parts: str | None) -> str | None:
    """The notes that are there, joined by "; " (None if none)."""
    text = "; ".join(p for p in parts if p)
    return text or None


def read_alias(writer: RegistryWriter, name: str, alias: str) -> tuple[bool, str | None]:
    """(read at all, version) of the alias, without raising."""
    try:
        return True, writer.model_state(name).aliases.get(alias)
    except ChampionError:
        return False, None


def _still_held(lock: AliasLock) -> bool:
    """Whether the lock still carries our token; True when it cannot be read (the read-back
    decides then, as before)."""
    try:
        return lock.held()
    except ChampionError:
        return True


def move(
    writer: RegistryWriter, lock: AliasLock, name: str, entry: HistoryEntry, notes: list[str]
) -> HistoryEntry:
    """Record pending, verify the lock, move the alias, read it back, check the lock is still
    ours (else a conflict: the write may have interleaved with another holder's); the final entry.

    Raises (after recording ``failed`` when possible) if the alias could not be moved.
    """
    alias, version = entry.alias, str(entry.to_version)
    writer.set_model_tag(name, entry.key, encode_entry(entry))  # fails before any change
    try:
        lock.verify()
        writer.set_alias(name, alias, version)
    except ChampionError as err:
        known, after = read_alias(writer, name, alias)
        if known and after == version and not isinstance(err, LockLost):
            final = entry.with_outcome(
                "applied", f"the alias moved although the write reported: {err}"
            )
            record(writer, name, final, notes)
            return final
        record(writer, name, entry.with_outcome("failed", _joined(entry.note, str(err))), notes)
        raise
    known, after = read_alias(writer, name, alias)
    if not _still_held(lock):
        # taken over while we wrote: another holder may have moved the alias too, and may have
        # settled (and chained) our pending entry already, so it is left as it is
        notes.append(
            f"history entry #{entry.seq} stays pending: the lock was taken over during the write; "
            "champion history reports it as interrupted"
        )
        return entry.with_outcome(
            "conflict",
            f"was written after its lock was taken over by another writer (now "
            f"{describe(after)}): this change is not counted as applied",
        )
    if known and after != version:
        final = entry.with_outcome(
            "conflict",
            f"read back as {describe(after)} right after the write: another client moved it "
            "outside champion at the same moment",
        )
    else:
        final = entry.with_outcome(
            "applied", _joined(entry.note, None if known else "not read back")
        )
    if not record(writer, name, final, notes):
        notes.append(f"history entry #{entry.seq} stays pending; champion history shows it")
    return final


def make_result(
    outcome: Outcome,
    action: Action,
    name: str,
    entry: HistoryEntry,
    message: str,
    *,
    seq: int | None,
    gate: GateCheck | None = None,
    planned: str | None = None,
    notes: tuple[str, ...] = (),
) -> ActionResult:
    """The result of an attempt described by ``entry`` (versions, forced)."""
    return ActionResult(
        outcome=outcome,
        action=action,
        model=name,
        alias=entry.alias,
        from_version=entry.from_version,
        to_version=entry.to_version,
        seq=seq,
        gate=gate,
        forced=entry.forced,
        message=message,
        planned=planned,
        notes=notes,
    )


def finish(
    writer: RegistryWriter,
    lock: AliasLock,
    name: str,
    entry: HistoryEntry,
    plan: Plan,
    notes: list[str],
) -> tuple[Outcome, str, int | None]:
    """Record a refusal or conflict, or move the alias: (outcome, message, seq written)."""
    if plan.outcome == "unchanged":
        return "unchanged", plan.message, None
    if plan.outcome != "applied":
        recorded = record(writer, name, entry.with_outcome(plan.outcome, plan.note), notes)
        return plan.outcome, plan.message, entry.seq if recorded else None
    final = move(writer, lock, name, entry.with_outcome("pending", plan.note), notes)
    if final.outcome == "conflict":
        return "conflict", f"@{entry.alias} {final.note}; nothing else was changed", entry.seq
    return "applied", f"{plan.message} (history entry #{entry.seq})", entry.seq


# decides, under the lock, from the alias's current value and its history entries: the plan and
# the version the alias is to point at
Decide = Callable[[str | None, list[HistoryEntry]], tuple[Plan, str | None]]


@dataclass(frozen=True)
class Attempt:
    """One request to move an alias: what every history entry and result of it shares."""

    action: Action
    name: str
    alias: str
    user: str
    reason: str
    settings: LockSettings
    gate: GateCheck | None = None

    def entry(
        self, seq: int, current: str | None, target: str | None, plan: Plan, token: str = ""
    ) -> HistoryEntry:
        """The history entry of this attempt, given what the alias held and the plan."""
        return HistoryEntry(
            seq,
            self.alias,
            self.settings.clock(),
            self.user,
            self.action,
            current,
            target,
            self.reason,
            plan.outcome,
            forced=plan.forced,
            gate=self.gate.to_record() if self.gate is not None else None,
            note=plan.note,
            token=token,
        )

    def without_lock(
        self, current: str | None, target: str | None, plan: Plan, dry_run: bool, notes: list[str]
    ) -> ActionResult:
        """The result of a dry run, or of an attempt with nothing to do: nothing written."""
        entry = self.entry(0, current, target, plan)
        outcome: Outcome = "dry_run" if dry_run else "unchanged"
        message = f"dry run (nothing written): {plan.preview}" if dry_run else plan.message
        return make_result(
            outcome,
            self.action,
            self.name,
            entry,
            message,
            seq=None,
            gate=self.gate,
            planned=plan.outcome if dry_run else None,
            notes=tuple(notes),
        )

    def under_lock(
        self, writer: RegistryWriter, purpose: str, decide: Decide, notes: list[str]
    ) -> ActionResult:
        """Take the lock, re-read the alias and its history, settle abandoned entries, let
        ``decide`` plan from what is there now, and carry the plan out (see the module)."""
        with holding(
            writer,
            self.name,
            self.alias,
            holder=self.user,
            purpose=purpose,
            settings=self.settings,
            released=notes,
        ) as lock:
            state = writer.model_state(self.name)
            current = state.aliases.get(self.alias)
            entries = entries_from_tags(state.tags, self.alias)
            settled = settle_abandoned(writer, self.name, entries, current, lock.token)
            plan, target = decide(current, entries)
            number = next_seq(entries, self.alias)
            entry = dataclasses.replace(
                self.entry(number, current, target, plan, lock.token),
                prev=chain_link(state.tags, self.alias, number, settled),
            )
            outcome, message, seq = finish(writer, lock, self.name, entry, plan, notes)
        return make_result(
            outcome,
            self.action,
            self.name,
            entry,
            message,
            seq=seq,
            gate=self.gate,
            notes=tuple(notes),
        )
