"""What the backend hands to the pages: plain frozen views, no Dash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from champion.errors import ChampionError
from champion.evaluation import Comparison, EvaluationReport

V = TypeVar("V")


class Computing(ChampionError):
    """A result being computed in the background: the page shows the message as a notice, not
    as an error, and updates when the work is done."""


@dataclass(frozen=True)
class Activity:
    """Work on this host about the selected versions: kind "scoring", "pair" or "slices", the
    versions (challenger first for a pair), rows done of rows, whether it runs, why it failed."""

    kind: str
    versions: tuple[str, ...]
    done: int
    total: int
    running: bool
    error: str | None = None


@dataclass(frozen=True)
class Evaluated:
    """The selected versions that are ready (baseline first), their comparison (None when none
    is ready or a paired comparison is still computing), the versions still being scored and
    the challengers whose comparison is computing in the background."""

    comparison: Comparison | None
    ready: tuple[str, ...]
    pending: tuple[str, ...]
    baseline: str | None
    computing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared(Generic[V]):
    """A result about the selected versions that are ready (a slice table, matched operating
    points): None when none is ready, or while it computes in the background; the versions
    still being scored; and, while it computes, the challengers it compares (the baseline alone
    when none) and the baseline."""

    value: V | None
    pending: tuple[str, ...]
    computing: tuple[str, ...] = ()
    baseline: str | None = None


@dataclass(frozen=True)
class Reports:
    """Reports of the selected versions that are scored (version -> report), and the rest."""

    ready: dict[str, EvaluationReport]
    pending: tuple[str, ...]
