"""Where two models agree: paired correctness at a threshold and the rows they disagree on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.evaluation.inputs import BoolArray, FloatArray


@dataclass(frozen=True)
class Agreement:
    """Paired correctness at the threshold (row counts): the table McNemar's test reads."""

    both_correct: int
    baseline_only: int
    challenger_only: int
    both_wrong: int

    @classmethod
    def of(cls, base_right: BoolArray, chal_right: BoolArray) -> Agreement:
        """The table of which rows (n,) each model gets right (two classes at a threshold, or
        the predicted class of a multiclass model)."""
        return cls(
            both_correct=int(np.count_nonzero(base_right & chal_right)),
            baseline_only=int(np.count_nonzero(base_right & ~chal_right)),
            challenger_only=int(np.count_nonzero(~base_right & chal_right)),
            both_wrong=int(np.count_nonzero(~base_right & ~chal_right)),
        )

    @property
    def disagreeing(self) -> int:
        """Rows where exactly one model is right: with two classes, where they predict
        different classes."""
        return self.baseline_only + self.challenger_only

    def to_dict(self) -> dict[str, int]:
        return {
            "both_correct": self.both_correct,
            "baseline_only_correct": self.baseline_only,
            "challenger_only_correct": self.challenger_only,
            "both_wrong": self.both_wrong,
        }


def paired_agreement(
    y: BoolArray, baseline: FloatArray, challenger: FloatArray, threshold: float
) -> tuple[Agreement, npt.NDArray[np.intp]]:
    """The agreement table of two models' predictions (score >= threshold) on labels y (n,),
    and the indices (k,) of the rows where they predict different classes, in row order."""
    base_right = (baseline >= threshold) == y
    chal_right = (challenger >= threshold) == y
    return Agreement.of(base_right, chal_right), np.flatnonzero(base_right != chal_right)
