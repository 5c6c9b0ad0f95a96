"""``rollback``: return an alias to the version that held it before, from the history.

The same path as ``promote`` (lock, compare-and-set, pending entry, verified write; see
``champion.actions.steps``) without a gate: a rollback restores a version that was in
service. The target comes from the recorded history (``former_holders``), never from
"version - 1": versions are not promoted in order, and some are never promoted at all.
"""

from __future__ import annotations

from champion.actions.audit import HistoryEntry, entries_from_tags
from champion.actions.lock import LockSettings
from champion.actions.status import former_holders
from champion.actions.steps import (
    ActionResult,
    Attempt,
    Plan,
    applied_plan,
    clean_reason,
    conflict_plan,
    describe,
)
from champion.errors import DataError, ModelError
from champion.models import RegistryStateReader, RegistryWriter
from champion.models.refs import CHAMPION_ALIAS, check_alias


def rollback_target(
    writer: RegistryStateReader,
    name: str,
    alias: str,
    entries: list[HistoryEntry],
    current: str | None,
    to: str | None = None,
) -> str:
    """The version a rollback of ``alias`` returns to, from the history (not "version - 1").

    The version that held the alias before the current one (see ``former_holders``); when the
    current holder was deleted (the alias is gone), the one before it. ModelError, saying why,
    when there is no earlier holder, when it was deleted, or when ``to`` never held the alias.
    """
    holders = former_holders(entries, alias, current)
    if to is not None:
        to = str(to)
        if to == current:
            raise DataError(f"version {to} already holds @{alias}; nothing to roll back.")
        if to not in holders:
            raise ModelError(
                f"version {to} never held @{alias} of {name!r} before (former holders: "
                f"{', '.join(holders) or 'none'}); to move the alias to a new version, promote it."
            )
        if not writer.version_exists(name, to):
            raise ModelError(f"version {to} held @{alias} before but has been deleted.")
        return to
    if current is None and holders and not writer.version_exists(name, holders[0]):
        holders = holders[1:]  # the last holder itself was deleted: go to the one before it
    if not holders:
        raise ModelError(
            f"no earlier holder of @{alias} of {name!r} in its history ({describe(current)} "
            "holds it now): nothing to roll back to; promote a version instead."
        )
    candidate = holders[0]
    if not writer.version_exists(name, candidate):
        alive = [h for h in holders[1:] if writer.version_exists(name, h)]
        hint = f"--to one of {', '.join(alive)}" if alive else "champion promote"
        raise ModelError(
            f"version {candidate} held @{alias} of {name!r} before {describe(current)}, but it has "
            f"been deleted; nothing was changed. Use {hint}."
        )
    return candidate


def rollback(
    writer: RegistryWriter,
    name: str,
    *,
    alias: str = CHAMPION_ALIAS,
    reason: str,
    user: str,
    expected: str | None,
    to: str | None = None,
    dry_run: bool = False,
    settings: LockSettings | None = None,
) -> ActionResult:
    """Return ``alias`` of ``name`` to the version that held it before (or to ``to``, a
    former holder), if it still holds ``expected``. No gate: rolling back restores a version
    that was in service. Errors as for ``promote``; ModelError when there is nothing to return
    to (see ``rollback_target``)."""
    alias = check_alias(alias)  # before the lock: a name MLflow refuses leaves no trace
    reason = clean_reason(reason)
    expected = None if expected is None else str(expected)
    attempt = Attempt("rollback", name, alias, user, reason, settings or LockSettings())

    def decide(current: str | None, entries: list[HistoryEntry]) -> tuple[Plan, str | None]:
        if current != expected:
            return conflict_plan(alias, expected, current), to
        target = rollback_target(writer, name, alias, entries, current, to)
        return applied_plan(f"@{alias} back from {describe(current)} to version {target}"), target

    state = writer.model_state(name)
    current = state.aliases.get(alias)
    plan, target = decide(current, entries_from_tags(state.tags, alias))
    if dry_run:
        return attempt.without_lock(current, target, plan, True, [])
    return attempt.under_lock(writer, f"roll back from {describe(current)}", decide, [])
