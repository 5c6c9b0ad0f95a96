"""Synthetic binary problems for the evaluation tests: ties, constant scores, weights, imbalance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st


@dataclass(frozen=True)
class Problem:
    y: np.ndarray  # (n,) bool
    score: np.ndarray  # (n,) float64 in [0, 1]
    weight: np.ndarray | None  # (n,) float64 or None
    threshold: float
    description: str


def make_problem(
    n: int, seed: int, pos_rate: float, ties: str, weighted: bool, both_classes: bool = True
) -> Problem:
    """A seeded problem: labels at pos_rate, informative scores with the requested tie pattern."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < pos_rate
    if both_classes:
        y[0], y[-1] = True, False
    signal = rng.normal(0.0, 1.0, n) + 1.2 * y
    score = 1.0 / (1.0 + np.exp(-signal))
    if ties == "rounded":
        score = np.round(score, 2)
    elif ties == "few":
        score = rng.integers(0, 4, n) / 3.0
    elif ties == "constant":
        score = np.full(n, 0.5)
    elif ties == "extremes":  # exact 0s and 1s, where log loss clips
        score = np.where(rng.random(n) < 0.2, y.astype(float), score)
    weight = rng.gamma(2.0, 1.0, n) if weighted else None
    threshold = float(rng.choice([0.5, rng.random(), score[rng.integers(n)]]))
    return Problem(y, score, weight, threshold, f"n={n} seed={seed} rate={pos_rate} ties={ties}")


@st.composite
def problems(draw: st.DrawFn, both_classes: bool = True, max_n: int = 100_000) -> Problem:
    n = draw(
        st.one_of(
            st.integers(2, 60),
            st.integers(60, 5_000),
            st.sampled_from([n for n in (20_000, 100_000) if n <= max_n]),
        )
    )
    return make_problem(
        n=n,
        seed=draw(st.integers(0, 2**32 - 1)),
        pos_rate=draw(st.sampled_from([0.001, 0.02, 0.3, 0.5, 0.97])),
        ties=draw(st.sampled_from(["none", "rounded", "few", "constant", "extremes"])),
        weighted=draw(st.booleans()),
        both_classes=both_classes,
    )
