"""``champion compare --predictions FILE --score NAME=PREFIX*`` for classifiers of three or more
classes: each model's probability columns are named by a pattern whose ``*`` stands for the
class (``--score v1=v1_*`` reads ``v1_adelie``, ``v1_chinstrap``, ``v1_gentoo``).

Versions knowing different classes are compared on the union of theirs and the target's labels
(see ``champion.evaluation.multiclass.align``); the notes say what that changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
import numpy as np
import pandas as pd
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from champion.cli.common import echo_json
from champion.cli.compare_gate import gate_dict, gate_lines, gate_markdown, raise_if_refused
from champion.cli.operating_cmd import PointOptions
from champion.cli.render import Fitted, Phrases, print_scored
from champion.data import column, read_table, values_of
from champion.errors import DataError
from champion.evaluation.multiclass import (
    MulticlassComparison,
    align_classes,
    compare_multiclass,
)
from champion.options import DataOptions
from champion.presentation.multiclass_tables import (
    delta_rows,
    losing_classes,
    metric_table,
    multiclass_markdown,
)
from champion.presentation.tables import fmt_percent

MulticlassResult = tuple[MulticlassComparison, tuple[str, ...]]


def class_patterns(scores: Mapping[str, str]) -> dict[str, str] | None:
    """The models' column patterns (name -> "PREFIX*SUFFIX") when they are multiclass ones,
    None when no pattern has a "*"; DataError when only some do, or one has several."""
    starred = {name: col for name, col in scores.items() if "*" in col}
    if not starred:
        return None
    plain = sorted(set(scores) - set(starred))
    if plain:
        raise DataError(
            f"--score gives a pattern of class columns for {', '.join(sorted(starred))} but a "
            f"single column for {', '.join(plain)}: a comparison is multiclass (every model "
            "NAME=PREFIX*, e.g. --score v1=v1_*) or binary (every model NAME=COLUMN)."
        )
    several = sorted(name for name, col in starred.items() if col.count("*") > 1)
    if several:
        raise DataError(
            f"--score patterns take one * (standing for the class): {', '.join(several)} have more."
        )
    return starred


def _class_columns(frame: pd.DataFrame, name: str, pattern: str) -> tuple[list[str], list[str]]:
    """The columns pattern matches and the class each stands for (what * matched)."""
    prefix, suffix = pattern.split("*")
    found = [
        str(c)
        for c in frame.columns
        if str(c).startswith(prefix)
        and str(c).endswith(suffix)
        and len(str(c)) > len(prefix) + len(suffix)
    ]
    if not found:
        shown = ", ".join(repr(str(c)) for c in list(frame.columns)[:20])
        raise DataError(
            f"--score {name}={pattern} matches no column (the * stands for a class, e.g. "
            f"{prefix}adelie{suffix}); columns are: {shown}."
        )
    return found, [c[len(prefix) : len(c) - len(suffix)] for c in found]


def compare_predictions(
    path: str,
    patterns: Mapping[str, str],
    baseline: str | None,
    data: DataOptions,
    statistics: Mapping[str, Any],
) -> MulticlassResult:
    """The multiclass comparison of the models' probability columns in a predictions table,
    and the notes of lining their classes up with the target's labels."""
    if not data.target:
        raise DataError("--predictions needs --target COL, the column of the true labels.")
    chosen = next(iter(patterns)) if baseline is None else baseline
    if chosen not in patterns:
        raise DataError(
            f"--baseline {chosen!r} is not one of the models given with --score: "
            f"{', '.join(patterns)}."
        )
    frame = read_table(path, data.limits())
    labels = values_of(column(frame, data.target, "target"))
    if pd.isna(pd.Series(labels)).any():
        raise DataError(
            f"target column {data.target!r} of {path!r} has missing labels; drop those rows or "
            "fill in their labels."
        )
    versions = {}
    for name, pattern in patterns.items():
        columns, classes = _class_columns(frame, name, pattern)
        values = frame[columns].to_numpy(dtype=np.float64, na_value=np.nan)
        versions[name] = (values, classes)
    aligned = align_classes(list(labels), versions)
    ordered = {chosen: aligned.probabilities[chosen], **aligned.probabilities}
    result = compare_multiclass(
        labels,
        ordered,
        list(aligned.classes),
        baseline=chosen,
        confidence=float(statistics["confidence"]),
        n_boot=int(statistics["n_boot"]),
        random_state=int(statistics["random_state"]),
        ci=str(statistics["ci"]),
    )
    return result, aligned.notes


def _table(header: list[str], rows: list[list[str]]) -> Table:
    table = Table(expand=False)
    for i, head in enumerate(header):
        table.add_column(head, justify="left" if i == 0 else "right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _items(header: list[str], rows: list[list[str]]) -> list[Phrases]:
    """One list item per row: "- Metric: model value [CI], ..." (narrow terminals)."""
    items = []
    for row in rows:
        pairs = [f"{h} {cell}," for h, cell in zip(header[1:], row[1:], strict=True)]
        items.append(Phrases([f"- {row[0]}:", *pairs], indent="  "))
    return items


def renderable(cmp: MulticlassComparison, notes: tuple[str, ...]) -> Group:
    """Header, metrics (value [CI] per model), a table of differences per challenger, the
    classes that lose most, notes; tables fall back to list items on narrow terminals."""
    first = cmp.baseline_evaluation
    level = fmt_percent(first.confidence)
    classes = ", ".join(str(c) for c in first.report.classes)
    parts: list[RenderableType] = [
        Phrases([f"{first.report.n} rows", f"classes: {classes}"], sep=" · ", style="bold"),
        Text(""),
    ]
    header = ["Metric", *cmp.models]
    rows = metric_table(cmp)
    title = Phrases(["Metrics:", f"value [{level} CI]"], style="table.title")
    parts.append(Fitted(title, [_table(header, rows)], _items(header, rows)))
    several = len(cmp.comparisons) > 1
    losing = losing_classes(cmp)
    for name, deltas in delta_rows(cmp).items():
        head = ["Metric", "Δ", f"{level} CI", "p-value", *(["p (Holm)"] if several else [])]
        body = [
            [d.label, d.delta, d.interval, d.p_value, *([d.p_holm] if several else []), d.badge]
            for d in deltas
        ]
        title = Phrases([f"{name} − {cmp.baseline}:", "paired difference"], style="table.title")
        parts += [
            Text(""),
            Fitted(title, [_table([*head, "verdict"], body)], _items([*head, "verdict"], body)),
        ]
        parts += [Text(f"- {line}") for line in losing[name]]
    if notes:
        parts += [Text(""), Text("Notes", style="bold"), *(Text(f"- {n}") for n in notes)]
    return Group(*parts)


def print_multiclass(cmp: MulticlassComparison, notes: tuple[str, ...], console: Console) -> None:
    console.print(renderable(cmp, notes))


def refuse_operating_points(points: PointOptions) -> None:
    """DataError when --operating-point was given for a multiclass comparison."""
    if points.criterion is not None:
        raise DataError(
            "--operating-point chooses a threshold, which a classifier of three or more "
            "classes does not have (it predicts the most probable class)."
        )


def show_multiclass(
    found: MulticlassResult,
    verdicts: Any,
    output: str,
    extra: dict[str, Any] | None = None,
    scored: dict[str, Any] | None = None,
) -> None:
    """A multiclass comparison (and its notes) as JSON, Markdown or a table, the gate after;
    extra: more JSON keys (the test set, the scored models); scored: the registered models,
    listed above the table. Exit 1 when the gate refuses a challenger."""
    cmp, notes = found
    gate = None if verdicts is None else gate_dict(verdicts, cmp.baseline)
    if output == "json":
        body = {**cmp.to_dict(), **(extra or {}), "notes": list(notes)}
        echo_json({**body, **({"gate": gate} if gate else {})})
    elif output == "markdown":
        text = multiclass_markdown(cmp, notes)
        click.echo(
            text + ("" if verdicts is None else gate_markdown(verdicts, cmp.baseline)), nl=False
        )
    else:
        console = Console(highlight=False)
        if scored and extra:
            print_scored(scored, extra["dataset"], console)
        print_multiclass(cmp, notes, console)
        for line in [] if verdicts is None else ["", *gate_lines(verdicts, cmp.baseline)]:
            click.echo(line)
    if verdicts is not None:
        raise_if_refused(verdicts)
