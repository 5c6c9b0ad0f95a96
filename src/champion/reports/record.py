"""The decision record: what was compared, on which rows, how each challenger fared against the
baseline and the gate, who held @champion and when it was written. Frozen; ``to_dict`` is the
JSON of ``champion compare --format json`` with the record's own keys added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from champion.evaluation import Agreement, Comparison, GateVerdict, ModelComparison, SliceTable
from champion.evaluation.multiclass import MulticlassComparison, MulticlassModelComparison
from champion.evaluation.report import json_label
from champion.presentation.gate_text import gate_dict

#: the version of the record's JSON layout (keys added later keep it; a changed meaning bumps it)
RECORD_VERSION = 1


@dataclass(frozen=True)
class ModelInfo:
    """One compared model as the record names it: label (its name in the comparison: the URI as
    given, or the --score NAME), the exact URI (models:/NAME/VERSION; None for a predictions
    column), the registered model's name and version, its run and logged model, the run's page
    in the MLflow UI (None when no UI address is known), its aliases when the record was
    written, when the version was created, the kind of its scores ("probability" or "label"),
    whether they came from the cache, and for stored predictions the score column."""

    label: str
    uri: str | None = None
    name: str | None = None
    version: str | None = None
    run_id: str | None = None
    model_id: str | None = None
    run_url: str | None = None
    aliases: tuple[str, ...] = ()
    created: datetime | None = None
    kind: str | None = None
    from_cache: bool | None = None
    column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "name": self.name,
            "version": self.version,
            "run_id": self.run_id,
            "model_id": self.model_id,
            "run_url": self.run_url,
            "aliases": list(self.aliases),
            "created": None if self.created is None else self.created.isoformat(),
            "kind": self.kind,
            "from_cache": self.from_cache,
            "column": self.column,
        }


@dataclass(frozen=True)
class DatasetInfo:
    """The test set: ``EvalDataset.summary()`` (fingerprint, rows, source, recipe, target), the
    positive label and the rows of each label (most frequent first)."""

    summary: Mapping[str, Any]
    pos_label: Any
    class_balance: tuple[tuple[Any, int], ...]

    @property
    def rows(self) -> int:
        return int(self.summary.get("rows", 0))

    @property
    def fingerprint(self) -> str:
        return str(self.summary.get("fingerprint", ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary,
            "pos_label": json_label(self.pos_label),
            "class_balance": [
                {"label": json_label(label), "rows": rows} for label, rows in self.class_balance
            ],
        }


@dataclass(frozen=True)
class SliceFinding:
    """The slice table of column (metric per slice, numbers cut into bins quantile bins) where a
    challenger loses most among the columns judged (the first one when none loses)."""

    column: str
    bins: int
    table: SliceTable
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        table = self.table
        return {
            "column": self.column,
            "columns": list(self.columns),
            "bins": self.bins,
            "metric": table.metric,
            "threshold": table.threshold,
            "confidence": table.confidence,
            "rows": [
                {
                    "label": row.label,
                    "n": row.n,
                    "positives": row.positives,
                    "small": row.small,
                    "values": dict(row.values),
                    "deltas": dict(row.deltas),
                    "p_holm": dict(row.p_holm),
                }
                for row in table.rows
            ],
            "worst": {
                name: {
                    "label": worst.label,
                    "delta": worst.delta,
                    "p_holm": worst.p_holm,
                    "judged": worst.judged,
                    "reason": worst.reason,
                }
                for name, worst in table.worst.items()
            },
        }


@dataclass(frozen=True)
class Disagreement:
    """Where a challenger and the baseline part at the threshold: the agreement table and
    McNemar's test on it."""

    challenger: str
    agreement: Agreement
    p_value: float
    exact: bool

    @property
    def rows(self) -> int:
        a = self.agreement
        return a.both_correct + a.baseline_only + a.challenger_only + a.both_wrong

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.agreement.to_dict(),
            "disagreeing": self.agreement.disagreeing,
            "mcnemar_p_value": self.p_value,
            "mcnemar_exact": self.exact,
        }


#: one model's one-vs-rest curves of a multiclass test set: class (text) -> {"roc", "pr"} (JSON)
ClassCurves = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class DecisionRecord:
    """One comparison written down for the decision it supports.

    comparison: every model against the baseline (two classes: a Comparison at a threshold;
    three or more: a MulticlassComparison, whose models predict their most probable class);
    gate: each challenger's verdict (None when no rule was given), with the rules as written
    and the adjustment asked for; dataset: the test set; models: label -> ModelInfo, in the
    comparison's order; registered_model and champion: the registered model compared and the
    version holding @champion when the record was written (None when nobody does or the models
    are not registered versions); slices: the slice table where a challenger loses most (None
    when no column was given); created_at: when (UTC); tool: champion's version; scored: what
    ``compare --format json`` says of each registered model it scored (None for stored
    predictions); notes: what lining up the classes of multiclass models changed. Multiclass
    only: curves, each model's one-vs-rest curves of its classes; agreements, each
    challenger's agreement with the baseline on the rows' classes.
    """

    comparison: Comparison | MulticlassComparison
    gate: Mapping[str, GateVerdict] | None
    dataset: DatasetInfo
    models: Mapping[str, ModelInfo]
    created_at: datetime
    tool: str
    gate_rules: tuple[str, ...] = ()
    adjust: str = "auto"
    registered_model: str | None = None
    champion: str | None = None
    slices: SliceFinding | None = None
    scored: Mapping[str, Mapping[str, Any]] | None = None
    notes: tuple[str, ...] = field(default=())
    curves: Mapping[str, ClassCurves] | None = None
    agreements: Mapping[str, Agreement] | None = None

    @property
    def baseline(self) -> str:
        return self.comparison.baseline

    @property
    def multiclass(self) -> bool:
        return isinstance(self.comparison, MulticlassComparison)

    @property
    def threshold(self) -> float | None:
        """The threshold of a two-class comparison; None for multiclass (the argmax)."""
        if isinstance(self.comparison, MulticlassComparison):
            return None
        return self.comparison.baseline_report.threshold

    @property
    def rows(self) -> int:
        return self._header()[0]

    def _header(self) -> tuple[int, float, int, str]:
        """(rows, confidence, bootstrap resamples, how intervals were found)."""
        cmp = self.comparison
        if isinstance(cmp, MulticlassComparison):
            e = cmp.baseline_evaluation
            return e.report.n, e.confidence, e.n_boot, e.ci
        r = cmp.baseline_report
        return r.n, r.confidence, r.n_boot, r.ci

    @property
    def confidence(self) -> float:
        return self._header()[1]

    @property
    def n_boot(self) -> int:
        return self._header()[2]

    @property
    def ci(self) -> str:
        return self._header()[3]

    @property
    def comparisons(self) -> Mapping[str, ModelComparison | MulticlassModelComparison]:
        """Each challenger's paired comparison with the baseline (either kind)."""
        return self.comparison.comparisons

    @property
    def challengers(self) -> tuple[str, ...]:
        return tuple(self.comparison.comparisons)

    @property
    def passed(self) -> bool | None:
        """Whether every challenger passed the gate; None without a gate."""
        return None if self.gate is None else all(v.passed for v in self.gate.values())

    @property
    def disagreements(self) -> tuple[Disagreement, ...]:
        """Each challenger's agreement with the baseline: at the threshold (two classes), on
        the predicted classes (more; from agreements)."""
        cmp, found = self.comparison, []
        for name, c in cmp.comparisons.items():
            if isinstance(cmp, Comparison):
                agreement: Agreement | None = cmp.comparisons[name].agreement
            else:
                agreement = (self.agreements or {}).get(name)
            if agreement is not None:
                found.append(Disagreement(name, agreement, c.mcnemar.p_value, c.mcnemar.exact))
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        """compare's JSON (header, "models", "baseline", "comparisons", "adjustment"), each
        model's entry with its "identity" (ModelInfo), and "gate" (None without one),
        "dataset", "champion", "slices", "disagreements", "created_at" (ISO 8601, UTC) and
        "record" (layout version and the tool that wrote it)."""
        body = self.comparison.to_dict()
        for label, info in self.models.items():
            if label in body["models"]:
                body["models"][label]["identity"] = info.to_dict()
        gate = None
        if self.gate is not None:
            gate = {**gate_dict(self.gate, self.baseline), "rules": list(self.gate_rules)}
            gate["adjust"] = self.adjust
        return {
            **body,
            "gate": gate,
            "dataset": self.dataset.to_dict(),
            "champion": {"model": self.registered_model, "version": self.champion},
            "slices": None if self.slices is None else self.slices.to_dict(),
            "disagreements": {d.challenger: d.to_dict() for d in self.disagreements},
            **({"scored": {k: dict(v) for k, v in self.scored.items()}} if self.scored else {}),
            "notes": list(self.notes),
            "created_at": self.created_at.isoformat(),
            "record": {"version": RECORD_VERSION, "tool": f"champion {self.tool}"},
        }
