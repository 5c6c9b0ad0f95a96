"""Matched operating points of scored models (``champion.evaluation.operating``), computed once
per host and kept with the other results: the key holds every model's scores and label, the
baseline, the test set, the criterion with its parameters, the holdout split (fraction and seed)
and the confidence, so a page asking again reads the stored answer."""

from __future__ import annotations

from collections.abc import Mapping

from champion.data import EvalDataset
from champion.evaluation.criteria import Criterion
from champion.evaluation.holdout import holdout_fraction
from champion.evaluation.operating import MatchedPoints, matched_points
from champion.workspace.analyses import Analyses
from champion.workspace.keys import Statistics
from champion.workspace.results import content_key
from champion.workspace.scores import ScoredModel


def operating_digest(
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    criterion: Criterion,
    holdout: float | None,
    stats: Statistics,
) -> str:
    """The key of the matched points of scored (label -> scores) under criterion."""
    return content_key(
        "operating",
        [(label, s.digest) for label, s in scored.items()],
        baseline,
        dataset.fingerprint,
        *criterion.parts(),
        None if holdout is None else float(holdout),
        int(stats.seed),
        float(stats.confidence),
    )


def find_operating_points(
    analyses: Analyses,
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    criterion: Criterion,
    holdout: float | None,
    stats: Statistics,
) -> MatchedPoints | None:
    """The stored answer of ``operating_points`` for these arguments, or None; never computes."""
    share = None if holdout is None else holdout_fraction(holdout)
    digest = operating_digest(scored, baseline, dataset, criterion, share, stats)
    found: MatchedPoints | None = analyses.stored("operating", digest)
    return found


def operating_points(
    analyses: Analyses,
    scored: Mapping[str, ScoredModel],
    baseline: str,
    dataset: EvalDataset,
    criterion: Criterion,
    holdout: float | None,
    stats: Statistics,
) -> MatchedPoints:
    """Each model of scored (label -> scores) at the threshold criterion chooses for it, with
    the one labelled baseline compared against; holdout: the share of rows that chooses (drawn
    with stats.seed; None: chosen and reported on the same rows, optimistic)."""
    share = None if holdout is None else holdout_fraction(holdout)
    digest = operating_digest(scored, baseline, dataset, criterion, share, stats)

    def compute() -> MatchedPoints:
        return matched_points(
            dataset.labels,
            {label: s.values for label, s in scored.items()},
            criterion,
            baseline=baseline,
            pos_label=dataset.pos_label,
            confidence=stats.confidence,
            holdout=share,
            seed=stats.seed,
        )

    subjects = tuple(s.key.uri for s in scored.values())
    found: MatchedPoints = analyses.once(
        "operating", digest, compute, subjects=subjects, dataset=dataset.fingerprint
    )
    return found
