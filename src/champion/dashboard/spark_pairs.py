"""One Comparison of a baseline with several challengers from the pairs the Spark dashboard
keeps (each the baseline with one challenger, computed once on the cluster), named as the page
names the versions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from champion.evaluation import Comparison


def relabelled(comparison: Comparison, names: Mapping[str, str]) -> Comparison:
    """comparison with its models' names (keys of names) replaced by names' values."""
    baseline = names[comparison.baseline]
    models = {names[n]: dataclasses.replace(r, name=names[n]) for n, r in comparison.models.items()}
    comparisons = {
        names[n]: dataclasses.replace(c, name=names[n], baseline=baseline)
        for n, c in comparison.comparisons.items()
    }
    return Comparison(baseline, models, comparisons)


def selection(pairs: Sequence[Comparison]) -> Comparison:
    """One comparison of a baseline with several challengers, from its pairs (each the same
    baseline with one challenger, or the baseline alone), in order: a pair's numbers do not
    depend on the other models compared (see champion.spark.compare_frame)."""
    first = pairs[0]
    models = {first.baseline: first.models[first.baseline]}
    comparisons = {}
    for pair in pairs:
        for name, compared in pair.comparisons.items():
            models[name], comparisons[name] = pair.models[name], compared
    return Comparison(first.baseline, models, comparisons)
