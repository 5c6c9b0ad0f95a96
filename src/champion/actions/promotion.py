"""``promote``: point an alias at a version, behind a gate, with compare-and-set.

The challenger replaces the current holder only with a passing gate verdict for exactly this pair
(``check_gate``) or with ``force``, which the history records with the reason. The shared steps
(lock, compare-and-set, pending entry, verified write) are in ``champion.actions.steps``.
"""

from __future__ import annotations

from champion.actions.audit import HistoryEntry, entries_from_tags
from champion.actions.lock import LockSettings
from champion.actions.status import alias_status
from champion.actions.steps import (
    ActionResult,
    Attempt,
    Plan,
    applied_plan,
    clean_reason,
    conflict_plan,
    describe,
    refused_plan,
    unchanged_plan,
)
from champion.errors import DataError, ModelError
from champion.evaluation import GateCheck
from champion.models import RegistryWriter
from champion.models.refs import CHAMPION_ALIAS, check_alias


def _plan_promote(
    alias: str,
    version: str,
    expected: str | None,
    current: str | None,
    gate: GateCheck | None,
    force: bool,
) -> Plan:
    """What a promotion should do given the alias's current value."""
    if current != expected:
        return conflict_plan(alias, expected, current)
    if current == version:
        return unchanged_plan(alias, version)
    move = f"@{alias} from {describe(current)} to version {version}"
    if current is None:
        return applied_plan(move, f" (no current {alias}: no gate to pass)")
    if gate is None:
        if force:
            return applied_plan(move, ", gate skipped (forced)", True, "gate skipped (forced)")
        return refused_plan(
            move,
            f"the challenger was not compared with the {alias} (no gate verdict); evaluate the "
            "gate on a test set, or force the change",
        )
    if gate.passed:
        return applied_plan(move, f"; gate {gate.verdict.summary}")
    if force:
        note = f"gate failed, forced: {gate.verdict.summary}"
        return applied_plan(move, f"; {note}", True, note)
    reasons = "; ".join(f"{r.rule}: {r.reason}" for r in gate.verdict.rules if not r.passed)
    return refused_plan(move, f"the gate failed: {reasons}")


def promote(
    writer: RegistryWriter,
    name: str,
    version: str,
    *,
    alias: str = CHAMPION_ALIAS,
    reason: str,
    user: str,
    expected: str | None,
    gate: GateCheck | None = None,
    force: bool = False,
    dry_run: bool = False,
    settings: LockSettings | None = None,
) -> ActionResult:
    """Point ``alias`` of model ``name`` at ``version`` if it still holds ``expected``.

    ``expected``: the version the caller saw holding the alias (None: not set); ``gate``: the
    verdict of ``version`` against ``expected`` (``check_gate``); without one, or with a failed
    one, the alias moves only with ``force`` (recorded). ModelError for an unknown model or
    version; DataError for a missing reason or a gate of another pair; ``RegistryAccessError``
    when the registry refuses (nothing is left half-done: see ``champion.actions.steps``).
    """
    alias = check_alias(alias)  # before the lock: a name MLflow refuses leaves no trace
    reason, version = clean_reason(reason), str(version)
    expected = None if expected is None else str(expected)
    if gate is not None and (gate.challenger_version, gate.champion_version) != (version, expected):
        raise DataError(
            f"the gate verdict compares version {gate.challenger_version} with version "
            f"{gate.champion_version}, not version {version} with {describe(expected)}."
        )
    state = writer.model_state(name)
    if not writer.version_exists(name, version):
        raise ModelError(f"model {name!r} has no version {version} (deleted or never registered)")
    attempt = Attempt("promote", name, alias, user, reason, settings or LockSettings(), gate)
    current = state.aliases.get(alias)
    notes: list[str] = []
    if current is None:
        status = alias_status(writer, name, alias, None, entries_from_tags(state.tags, alias))
        if status.deleted_version is not None:
            notes.append(status.text)

    def decide(now: str | None, entries: list[HistoryEntry]) -> tuple[Plan, str | None]:
        return _plan_promote(alias, version, expected, now, gate, force), version

    plan, _ = decide(current, [])
    if dry_run or plan.outcome == "unchanged":
        return attempt.without_lock(current, version, plan, dry_run, notes)
    return attempt.under_lock(writer, f"promote version {version}", decide, notes)
