"""What the multiclass pages read through the backend: the comparison of the selected versions,
their one-vs-rest curves, the decision table and the rows two versions classify differently.

Each is computed once per host and kept with the results (every worker reads it); a comparison
too large for a request is computed in the background while the page says so, as a binary
pair is (``DashboardBackend.prepared``).
"""

from __future__ import annotations

from collections.abc import Sequence

from champion.dashboard.backend import DashboardBackend
from champion.dashboard.views import Prepared
from champion.errors import ChampionError
from champion.workspace import Disagreements, ScoredModel
from champion.workspace.multiclass import (
    ClassCurves,
    Decision,
    MulticlassResult,
    cached_comparison,
    class_disagreements,
    curves_of,
    decision_of,
    stored_comparison,
)

#: background work of a multiclass comparison (listed on the activity line)
COMPARISON = "multiclass"


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
) -> tuple[dict[str, ClassCurves], tuple[str, ...]]:
    """Each scored version's one-vs-rest curves (name -> class -> {"roc", "pr"}), in selection
    order, and the versions still being scored."""
    found, pending = {}, []
    for version in versions:
        scored = backend.scored(version)
        if scored is None:
            pending.append(version)
            continue
        name = backend.key(version).label(lang)
        found[name] = curves_of(backend.workspace.analyses, scored, backend.dataset)
    return found, tuple(pending)


def decision(
    backend: DashboardBackend, versions: Sequence[str], lang: str
) -> tuple[Decision | None, tuple[str, ...]]:
    """Top-k accuracy of the scored versions (champion first) and their accuracy-coverage
    curves, and the versions still being scored."""
    ordered, pending = backend.ready_and_baseline(versions)
    if not ordered:
        return None, pending
    scored = _named(backend, ordered, lang)
    baseline = backend.key(ordered[0]).label(lang)
    analyses, stats = backend.workspace.analyses, backend.stats
    found = decision_of(analyses, scored, baseline, backend.dataset, stats)
    return found, pending


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
