"""Results a page waits for that are slow at a million rows (slice tables, matched operating
points): read when stored, computed in the request when small, else in the background (see
``DashboardBackend.prepared``), every worker reading the same stored result."""

from __future__ import annotations

from collections.abc import Sequence

from champion.dashboard.backend import DashboardBackend
from champion.dashboard.views import Prepared
from champion.evaluation import SliceTable
from champion.evaluation.criteria import Criterion
from champion.evaluation.operating import MatchedPoints
from champion.workspace import ScoredModel
from champion.workspace.analyses import SLICE_RESAMPLES
from champion.workspace.operating import find_operating_points

#: one pass of each model over the rows, in bootstrap row-resamples (the inline budget's unit)
POINTS_COST = 20


def _scored(served: DashboardBackend, ordered: list[str], lang: str) -> dict[str, ScoredModel]:
    """The ready versions' scores under their names in lang ("version 3"), baseline first."""
    found = {served.key(v).label(lang): served.scored(v) for v in ordered}
    return {label: s for label, s in found.items() if s is not None}


def slices(
    served: DashboardBackend,
    versions: Sequence[str],
    slicing: tuple[str, int, str, float],
    lang: str = "en",
) -> Prepared[SliceTable]:
    """The slice table (slicing: column, bins, metric, threshold) of the scored versions, the
    champion (if among them) as the baseline."""
    ordered, pending = served.ready_and_baseline(versions)
    if not ordered:
        return Prepared(None, pending)
    scored, stats = _scored(served, ordered, lang), served.stats
    baseline, (column, bins, metric, threshold) = next(iter(scored)), slicing
    found = served.workspace.analyses.find_slices(scored, baseline, served.dataset, slicing, stats)

    def compute() -> SliceTable:
        return served.workspace.slices(
            scored, baseline, served.dataset, column=column, bins=bins, metric=metric,
            threshold=threshold, stats=stats,
        )  # fmt: skip

    cost = served.dataset.n * (min(stats.n_boot, SLICE_RESAMPLES) + 1) * len(ordered)
    work = ("slices", ",".join(ordered), *map(str, slicing), lang)
    return served.prepared(ordered, pending, found, compute, (work, cost))


def matched_points(
    served: DashboardBackend,
    versions: Sequence[str],
    criterion: Criterion,
    holdout: float | None,
    lang: str = "en",
) -> Prepared[MatchedPoints]:
    """The scored versions (the champion first, compared against) at their own thresholds
    under criterion, choosing on the holdout share of rows (None: all of them)."""
    ordered, pending = served.ready_and_baseline(versions)
    if not ordered:
        return Prepared(None, pending)
    scored = _scored(served, ordered, lang)
    args = (scored, next(iter(scored)), served.dataset, criterion, holdout, served.stats)
    found = find_operating_points(served.workspace.analyses, *args)

    def compute() -> MatchedPoints:
        return served.workspace.operating_points(*args)

    cost = served.dataset.n * len(ordered) * POINTS_COST
    work = ("operating", ",".join(ordered), *map(str, criterion.parts()), str(holdout), lang)
    return served.prepared(ordered, pending, found, compute, (work, cost))
