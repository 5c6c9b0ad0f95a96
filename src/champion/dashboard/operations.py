"""What the Registry page's Promote and Roll back controls do, composed from champion.actions.

The dashboard writes to the registry only through ``champion.actions`` (compare-and-set under
the registry lock, history in the model's tags), as the CLI does. Who acts comes from the
logged-in user, checked by the callbacks before anything here is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from champion.actions import (
    ActionResult,
    AliasStatus,
    GateCheck,
    HistoryEntry,
    alias_status,
    promote,
    read_history,
    rollback,
)
from champion.dashboard.evaluations import PairKey, version_label
from champion.errors import ChampionError
from champion.evaluation import DEFAULT_RULES, evaluate_gate
from champion.models import MlflowRegistryWriter
from champion.service import CHAMPION_ALIAS

GATE_THRESHOLD = 0.5  # as champion promote's default --threshold

if TYPE_CHECKING:
    from champion.dashboard.backend import DashboardBackend


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
    """Promote, roll back and read the history of the dashboard's model's ``@champion``."""

    def __init__(self, backend: DashboardBackend) -> None:
        self.backend = backend
        self.name = backend.config.model_name
        self.writer = MlflowRegistryWriter(backend.config.tracking_uri)

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

    def gate(self, champion: str | None, challenger: str) -> GateCheck | None:
        """The default gate of challenger against champion on the dashboard's test set; None
        when there is no champion to compare with. It reads the paired comparison the pages
        use (computed once; in the background for a large test set, in which case this says
        to try again shortly rather than keep the request waiting)."""
        if champion is None or champion == challenger:
            return None
        for version in (champion, challenger):
            if self.backend.scored(version) is None:
                raise ChampionError(
                    f"version {version} is being scored on the test set; the gate needs its "
                    "scores: try again when the scoring shown at the top has finished."
                )
        key = PairKey(champion, challenger, GATE_THRESHOLD)
        comparison = self.backend.evaluations.pair(key)
        if comparison is None:
            raise ChampionError(
                f"the gate's paired comparison of version {challenger} with version {champion} "
                "is computing in the background (a large test set); try again in a moment."
            )
        deltas = comparison.comparisons[version_label(challenger)].deltas
        verdict = evaluate_gate(
            deltas, DEFAULT_RULES, confidence=comparison.baseline_report.confidence
        )
        dataset = self.backend.dataset
        return GateCheck(
            champion, challenger, verdict, dataset.fingerprint, dataset.n, dataset.source
        )

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
        judged again on the spot (the test set's scores are cached)."""
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
                to=preview.version or None,
            )
        self.backend.model(fresh=True)  # aliases moved: the picker and pages read them again
        return result
