"""What the multiclass pages read through the backend: the comparison of the selected versions,
their one-vs-rest curves, the decision table and the rows two versions classify differently.

Each is computed once per host and kept with the results (every worker reads it); a comparison
too large for a request is computed in the background while the page says so, as a binary
pair is (``DashboardBackend.prepared``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from champion.dashboard.backend import DashboardBackend
from champion.dashboard.components import pending_alert, waiting_alert
from champion.dashboard.views import Prepared
from champion.data import EvalDataset
from champion.errors import ChampionError
from champion.presentation import t
from champion.workspace import Disagreements, ScoredModel, Statistics, version_label
from champion.workspace.analyses import Analyses
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
V = TypeVar("V")


def is_multiclass(backend: DashboardBackend) -> bool:
    """Whether the dashboard's test set has three or more classes (a Spark-scored one has two:
    serve refuses more)."""
    return not backend.config.spark and backend.dataset.classes is not None


def _named(backend: DashboardBackend, ordered: Sequence[str], lang: str) -> dict[str, ScoredModel]:
    """The ready versions' scores under their names in lang ("version 3"), baseline first."""
    found = {}
    for version in ordered:
        scored = backend.scored(version)
        if scored is not None:
            found[backend.key(version).label(lang)] = scored
    return found


#: what a page's result is computed from: the composer's analyses, the ready versions' scores
#: under their names (baseline first), the baseline's name, the test set and the statistics
Inputs = tuple[Analyses, dict[str, ScoredModel], str, EvalDataset, Statistics]


def _prepared(
    backend: DashboardBackend,
    versions: Sequence[str],
    lang: str,
    work: tuple[str, int],
    find: Callable[[Inputs], V | None],
    make: Callable[[Inputs], V],
) -> Prepared[V]:
    """A result about the selected versions that are scored, the champion (if among them)
    first: find() if stored, make() now when its cost (work[1] per row and version, in the
    inline budget's unit) fits, else make() in the background as work[0] (value None)."""
    ordered, pending = backend.ready_and_baseline(versions)
    if not ordered:
        return Prepared(None, pending)
    scored = _named(backend, ordered, lang)
    baseline = backend.key(ordered[0]).label(lang)
    inputs = (backend.workspace.analyses, scored, baseline, backend.dataset, backend.stats)
    cost = backend.dataset.n * work[1] * len(ordered)
    queued = ((work[0], ",".join(ordered)), cost)
    return backend.prepared(ordered, pending, find(inputs), lambda: make(inputs), queued)


def comparison(
    backend: DashboardBackend, versions: Sequence[str], lang: str
) -> Prepared[MulticlassResult]:
    """The paired comparison of the selected versions that are scored (see ``_prepared``)."""
    resamples = backend.stats.n_boot + 1
    return _prepared(
        backend,
        versions,
        lang,
        (COMPARISON, resamples),
        lambda i: stored_comparison(*i),
        lambda i: cached_comparison(*i),
    )


def _stored_curves(inputs: Inputs) -> dict[str, ClassCurves] | None:
    """Every version's curves if all are stored, else None."""
    analyses, scored, _, dataset, _ = inputs
    kept = {name: stored_curves(analyses, s, dataset) for name, s in scored.items()}
    found = {name: c for name, c in kept.items() if c is not None}
    return found if len(found) == len(kept) else None


def curves(
    backend: DashboardBackend, versions: Sequence[str], lang: str
) -> Prepared[dict[str, ClassCurves]]:
    """Each scored version's one-vs-rest curves (name -> class -> {"roc", "pr"}), the champion
    (if among them) first (see ``_prepared``)."""
    per_row = len(backend.dataset.classes or ()) * CURVES_COST

    def make(inputs: Inputs) -> dict[str, ClassCurves]:
        analyses, scored, _, dataset, _ = inputs
        return {name: curves_of(analyses, s, dataset) for name, s in scored.items()}

    return _prepared(backend, versions, lang, (CURVES, per_row), _stored_curves, make)


def decision(backend: DashboardBackend, versions: Sequence[str], lang: str) -> Prepared[Decision]:
    """Top-k accuracy of the scored versions and their accuracy-coverage curves (see
    ``_prepared``)."""
    per_row = len(backend.dataset.classes or ()) * CURVES_COST
    return _prepared(
        backend,
        versions,
        lang,
        (DECISION, per_row),
        lambda i: stored_decision(*i),
        lambda i: decision_of(*i),
    )


def disagreements(
    backend: DashboardBackend, baseline: str, challenger: str, lang: str, every: bool = False
) -> Disagreements:
    """Rows where two scored versions predict different classes: the grid's first rows, or
    every one (a download)."""
    base, other = backend.scored(baseline), backend.scored(challenger)
    if base is None or other is None:
        missing = baseline if base is None else challenger
        raise ChampionError(f"version {missing} has no scores yet; try again shortly.")
    return class_disagreements(
        (backend.key(baseline).label(lang), base),
        (backend.key(challenger).label(lang), other),
        backend.dataset,
        every,
    )


def computing_notice(found: Prepared[Any], lang: str) -> list[Any]:
    """The versions still scored, and those whose result computes in the background."""
    shown = pending_alert(found.pending, lang)
    if found.value is None and found.computing:
        names = {found.baseline or "", *found.computing} - {""}
        listed = ", ".join(version_label(v, lang) for v in sorted(names, key=int))
        shown.append(waiting_alert("classes", t("mc.ui.computing", lang, versions=listed)))
    return shown
