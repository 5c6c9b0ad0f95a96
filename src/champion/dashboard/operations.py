"""What the Registry page's Promote and Roll back controls do, composed from champion.actions.

The dashboard writes to the registry only through ``champion.actions`` (compare-and-set under
the registry lock, history in the model's tags), as the CLI does. Who acts comes from the
logged-in user, checked by the callbacks before anything here is called.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from champion.actions import (
    ActionResult,
    AliasStatus,
    HistoryEntry,
    alias_status,
    promote,
    read_history,
    rollback,
)
from champion.errors import ChampionError
from champion.evaluation import GateCheck
from champion.models import MlflowRegistryWriter
from champion.models.refs import CHAMPION_ALIAS

# (champion version or None, challenger version) -> the gate's verdict, None without a champion
GateReader = Callable[[str | None, str], GateCheck | None]
ACTIONS = ("promote", "rollback")  # what a confirmation dialog may carry out; nothing else
_VERSION = re.compile(r"[1-9][0-9]{0,17}")  # a registered model version: a positive integer


class InvalidAction(ChampionError):
    """A promote / roll back request naming another action or a malformed version (a request
    the dashboard's dialog does not make: forged or corrupted)."""


def check_action(action: object, version: object, expected: object = None) -> tuple[str, str]:
    """(action, version) when action is "promote" or "rollback" and version (and expected,
    the champion seen, unless None) a positive integer string; else InvalidAction."""
    if not isinstance(action, str) or action not in ACTIONS:
        raise InvalidAction(
            f"refused: unknown action {str(action)[:40]!r}; only promote and rollback exist."
        )
    for what, value in (("version", version), ("champion version", expected)):
        if what == "champion version" and value is None:
            continue  # no champion when the dialog opened
        if not isinstance(value, str) or not _VERSION.fullmatch(value):
            raise InvalidAction(
                f"refused to {action}: {what} {str(value)[:40]!r} is not a positive whole number."
            )
    return action, str(version)


@dataclass(frozen=True)
class Preview:
    """What a confirmation dialog shows: the move, the gate (promotions replacing a champion)
    and the version the user must type again; expected is the alias's value when it was read."""

    action: str
    version: str
    expected: str | None
    gate: GateCheck | None
    message: str


class Operations:
    """Promote, roll back and read the history of a model's ``@champion``.

    gate judges a challenger against a champion (the composer's gate on the dashboard's test
    set); moved is called after every write, so the pages read the aliases again."""

    def __init__(
        self, tracking_uri: str, name: str, gate: GateReader, moved: Callable[[], object]
    ) -> None:
        self.name = name
        self.writer = MlflowRegistryWriter(tracking_uri)
        self.gate = gate
        self._moved = moved

    def current(self) -> str | None:
        """The version holding @champion now, read from the registry (not the page's cache)."""
        return self.writer.model_state(self.name).aliases.get(CHAMPION_ALIAS)

    def history(self) -> list[HistoryEntry]:
        """Every recorded alias change of the model, newest first."""
        entries = read_history(self.writer, self.name)
        return sorted(entries, key=lambda e: (e.at, e.seq), reverse=True)

    def status(self, current: str | None, entries: Sequence[HistoryEntry]) -> AliasStatus:
        """@champion (current: the version holding it, as just read), or "no current champion"
        and why, from the history entries already read."""
        return alias_status(self.writer, self.name, CHAMPION_ALIAS, current, entries)

    def preview_promotion(self, version: str) -> Preview:
        expected = self.current()
        gate = self.gate(expected, version)
        planned = promote(
            self.writer,
            self.name,
            version,
            reason="preview",
            user="preview",
            expected=expected,
            gate=gate,
            dry_run=True,
        )
        return Preview("promote", version, expected, gate, planned.message)

    def preview_rollback(self) -> Preview:
        expected = self.current()
        planned = rollback(
            self.writer,
            self.name,
            reason="preview",
            user="preview",
            expected=expected,
            dry_run=True,
        )
        target = planned.to_version or ""
        return Preview("rollback", target, expected, None, planned.message)

    def apply(self, preview: Preview, reason: str, user: str, force: bool) -> ActionResult:
        """Carry out a previewed action if @champion still holds preview.expected; the gate is
        judged again on the spot (the test set's scores are cached). Only "promote" and
        "rollback" of a positive version are carried out: anything else is InvalidAction."""
        check_action(preview.action, preview.version, preview.expected)
        if preview.action == "promote":
            gate = self.gate(preview.expected, preview.version)
            result = promote(
                self.writer,
                self.name,
                preview.version,
                reason=reason,
                user=user,
                expected=preview.expected,
                gate=gate,
                force=force,
            )
        else:
            result = rollback(
                self.writer,
                self.name,
                reason=reason,
                user=user,
                expected=preview.expected,
                to=preview.version,
            )
        self._moved()  # aliases moved: the picker and pages read them again
        return result
