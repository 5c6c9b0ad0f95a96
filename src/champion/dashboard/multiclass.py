"""What the multiclass pages read through the backend: the comparison of the selected versions,
their one-vs-rest curves, the decision table and the rows two versions classify differently.

Each is computed once per host and kept with the results (every worker reads it); a comparison
too large for a request is computed in the background while the page says so, as a binary
pair is (``DashboardBackend.prepared``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from champion.dashboard.backend import DashboardBackend
from champion.dashboard.components import alert, pending_alert
from champion.dashboard.views import Prepared
from champion.errors import ChampionError
from champion.presentation import t
from champion.workspace import Disagreements, ScoredModel, version_label
from champion.workspace.multiclass import (
    ClassCurves,
    Decision,
    MulticlassResult,
    cached_comparison,
    class_disagreements,
    curves_of,
    decision_of,
    stored_comparison,
    stored_curves,
    stored_decision,
)

#: background work of a multiclass comparison, class curves, the decision table (listed on the
#: activity line)
COMPARISON, CURVES, DECISION = "multiclass", "class-curves", "decision"
#: cost of the curves and the decision table per row and class, in bootstrap row-resamples (the
#: inline budget's unit): at a million rows and 10 classes about 2 s per version
CURVES_COST = 5


def is_multiclass(backend: DashboardBackend) -> bool:
    """Whether the dashboard's test set has three or more classes."""
    return backend.dataset.classes is not None


def _named(backend: DashboardBackend, ordered: Sequence[str], lang: str) -> dict[str, ScoredModel]:
    """The ready versions' scores under their names in lang ("version 3"), baseline first."""
    found = {}
    for version in ordered:
        scored = backend.scored(version)
        if scored is not None:
            found[backend.key(version).label(lang)] = scored
    return found


def comparison(
    backend: DashboardBackend, versions: Sequence[str], lang: str
) -> Prepared[MulticlassResult]:
    """The paired comparison of the selected versions that are scored, the champion (if among
    them) first: stored, computed now when small, else in the background (value None)."""
    ordered, pending = backend.ready_and_baseline(versions)
    if not ordered:
        return Prepared(None, pending)
    scored = _named(backend, ordered, lang)
    baseline = backend.key(ordered[0]).label(lang)
    analyses, dataset, stats = backend.workspace.analyses, backend.dataset, backend.stats
    found = stored_comparison(analyses, scored, baseline, dataset, stats)

    def compute() -> MulticlassResult:
        return cached_comparison(analyses, scored, baseline, dataset, stats)

    cost = dataset.n * (stats.n_boot + 1)
    work = (COMPARISON, ",".join(ordered))
    return backend.prepared(list(ordered), pending, found, compute, (work, cost))


def curves(
    backend: DashboardBackend, versions: Sequence[str], lang: str
) -> Prepared[dict[str, ClassCurves]]:
    """Each scored version's one-vs-rest curves (name -> class -> {"roc", "pr"}), in
    selection order: stored, computed now when small, else in the background (value None)."""
    ready = [v for v in versions if backend.scored(v) is not None]
    pending = tuple(v for v in versions if v not in ready)
    if not ready:
        return Prepared(None, pending)
    scored = _named(backend, ready, lang)
    analyses, dataset = backend.workspace.analyses, backend.dataset
    kept = {name: stored_curves(analyses, s, dataset) for name, s in scored.items()}
    found: dict[str, ClassCurves] | None = {n: c for n, c in kept.items() if c is not None}
    if found is not None and len(found) < len(kept):  # one version's are not stored yet
        found = None

    def compute() -> dict[str, ClassCurves]:
        return {name: curves_of(analyses, s, dataset) for name, s in scored.items()}

    cost = dataset.n * len(dataset.classes or ()) * len(ready) * CURVES_COST
    work = (CURVES, ",".join(ready))
    return backend.prepared(ready, pending, found, compute, (work, cost))


def decision(backend: DashboardBackend, versions: Sequence[str], lang: str) -> Prepared[Decision]:
    """Top-k accuracy of the scored versions (champion first) and their accuracy-coverage
    curves: stored, computed now when small, else in the background (value None)."""
    ordered, pending = backend.ready_and_baseline(versions)
    if not ordered:
        return Prepared(None, pending)
    scored = _named(backend, ordered, lang)
    baseline = backend.key(ordered[0]).label(lang)
    analyses, dataset, stats = backend.workspace.analyses, backend.dataset, backend.stats
    found = stored_decision(analyses, scored, baseline, dataset, stats)

    def compute() -> Decision:
        return decision_of(analyses, scored, baseline, dataset, stats)

    cost = dataset.n * len(dataset.classes or ()) * len(ordered) * CURVES_COST
    work = (DECISION, ",".join(ordered))
    return backend.prepared(list(ordered), pending, found, compute, (work, cost))


def disagreements(
    backend: DashboardBackend, baseline: str, challenger: str, lang: str
) -> Disagreements:
    """Rows where two scored versions predict different classes."""
    base, other = backend.scored(baseline), backend.scored(challenger)
    if base is None or other is None:
        missing = baseline if base is None else challenger
        raise ChampionError(f"version {missing} has no scores yet; try again shortly.")
    return class_disagreements(
        (backend.key(baseline).label(lang), base),
        (backend.key(challenger).label(lang), other),
        backend.dataset,
    )


def computing_notice(found: Prepared[Any], lang: str) -> list[Any]:
    """The versions still scored, and those whose result computes in the background."""
    shown = pending_alert(found.pending, lang)
    if found.value is None and found.computing:
        names = {found.baseline or "", *found.computing} - {""}
        listed = ", ".join(version_label(v, lang) for v in sorted(names, key=int))
        shown.append(alert(t("mc.ui.computing", lang, versions=listed), "info"))
    return shown
