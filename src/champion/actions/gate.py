"""The promotion gate on real models: the challenger against the current champion, on a test set.

``check_gate`` scores both versions through ``ChampionService.compare`` (so each model is scored
at most once per test set and later checks read the score cache), then judges the paired deltas
with ``champion.evaluation.gates``. The result names the two versions it compared, so a verdict
cannot be applied to another pair by mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from champion.data import EvalDataset
from champion.errors import DataError
from champion.evaluation import DEFAULT_RULES, GateRule, GateVerdict, evaluate_gate
from champion.service import ChampionService


@dataclass(frozen=True)
class GateCheck:
    """A gate verdict for one pair of versions of a model, on one test set."""

    champion_version: str
    challenger_version: str
    verdict: GateVerdict
    dataset_fingerprint: str
    rows: int
    source: str

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    def to_dict(self) -> dict[str, Any]:
        """Everything, for JSON output: versions, test set and every rule with its reason."""
        return {
            "champion": self.champion_version,
            "challenger": self.challenger_version,
            "dataset": {
                "fingerprint": self.dataset_fingerprint,
                "rows": self.rows,
                "source": self.source,
            },
            **self.verdict.to_dict(),
        }

    def to_record(self) -> dict[str, Any]:
        """What the history keeps: versions, test set, and each rule's numbers (no prose)."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 6)

        return {
            "passed": self.passed,
            "champion": self.champion_version,
            "challenger": self.challenger_version,
            "confidence": self.verdict.confidence,
            "dataset": self.dataset_fingerprint[:16],
            "rows": self.rows,
            "rules": [
                {
                    "rule": r.rule,
                    "delta": rounded(r.delta),
                    "ci_low": rounded(r.ci_low),
                    "ci_high": rounded(r.ci_high),
                    "passed": r.passed,
                }
                for r in self.verdict.rules
            ],
        }


def check_gate(
    service: ChampionService,
    dataset: EvalDataset,
    name: str,
    champion_version: str,
    challenger_version: str,
    rules: Sequence[GateRule] = DEFAULT_RULES,
    **statistics: Any,
) -> GateCheck:
    """Compare version ``challenger_version`` of model ``name`` with ``champion_version`` on
    ``dataset`` and judge the rules. ``statistics``: threshold, confidence, n_boot,
    random_state, as for ``champion.evaluation.compare``."""
    if str(champion_version) == str(challenger_version):
        raise DataError(
            f"version {challenger_version} already holds the alias; there is nothing to gate."
        )
    champion_uri = f"models:/{name}/{champion_version}"
    challenger_uri = f"models:/{name}/{challenger_version}"
    comparison, _ = service.compare(
        [champion_uri, challenger_uri], dataset, baseline=champion_uri, **statistics
    )
    deltas = comparison.comparisons[challenger_uri].deltas
    verdict = evaluate_gate(deltas, rules, confidence=comparison.baseline_report.confidence)
    return GateCheck(
        champion_version=str(champion_version),
        challenger_version=str(challenger_version),
        verdict=verdict,
        dataset_fingerprint=dataset.fingerprint,
        rows=dataset.n,
        source=dataset.source,
    )
