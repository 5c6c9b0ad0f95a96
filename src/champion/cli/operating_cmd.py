"""``compare --operating-point CRITERION [--holdout-split FRACTION]``: each model at the threshold
the criterion chooses for it, the compared quantity with its interval and each challenger's
paired difference (``champion.evaluation.operating``).

CRITERION is one of ``min_cost:FP:FN`` (e.g. ``min_cost:1:5``), ``recall_at_precision:P``,
``fpr_at_recall:R``, ``youden`` or ``max_f1`` (the dashboard's finder offers the same five).
A threshold chosen and reported on the same rows is optimistic; ``--holdout-split 0.5`` chooses
on half of the rows (stratified by class, drawn with ``--seed``) and reports on the other half.
The table output adds an operating-points table, ``--format json`` an "operating_points" key and
``--format markdown`` an "Operating points" section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.table import Table
from rich.text import Text

from champion.cli.render import Fitted, Phrases
from champion.errors import DataError
from champion.evaluation.criteria import Criterion, forms, parse_criterion
from champion.evaluation.holdout import holdout_fraction
from champion.evaluation.operating import MatchedPoints, matched_points
from champion.options import DataOptions, _group, env_option
from champion.presentation.point_views import matched_view, quantity_label
from champion.presentation.table_views import Cell
from champion.presentation.tables import fmt_percent

if TYPE_CHECKING:
    from champion.data import EvalDataset
    from champion.workspace import ScoredModel, Statistics, Workspace

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class PointOptions:
    """The criterion asked for (None: no operating points) and the share of rows that chooses
    the thresholds (None: every row chooses and reports, optimistic)."""

    criterion: Criterion | None
    holdout: float | None

    def of_models(
        self,
        workspace: Workspace,
        scored: Mapping[str, ScoredModel],
        baseline: str,
        dataset: EvalDataset,
        stats: Statistics,
    ) -> MatchedPoints | None:
        """The matched points of scored models (URI -> scores), through the composer."""
        if self.criterion is None:
            return None
        ordered = {baseline: scored[baseline], **scored}
        return workspace.operating_points(
            ordered, baseline, dataset, self.criterion, self.holdout, stats
        )

    def of_predictions(
        self,
        path: str,
        score_columns: Mapping[str, str],
        baseline: str,
        data: DataOptions,
        stats: Statistics,
    ) -> MatchedPoints | None:
        """The matched points of a predictions table's score columns (name -> column). The
        table is read again here: the comparison keeps its copy to itself, and this second read
        happens only with --operating-point."""
        if self.criterion is None:
            return None
        from champion.data import column, parse_label, read_table, values_of

        frame = read_table(path, data.limits())
        labels = column(frame, str(data.target), "target")
        scores = {
            name: values_of(column(frame, col, "score")) for name, col in score_columns.items()
        }
        return matched_points(
            values_of(labels),
            scores,
            self.criterion,
            baseline=baseline,
            pos_label=parse_label(labels, data.pos_label),
            confidence=stats.confidence,
            holdout=self.holdout,
            seed=stats.seed,
        )


def _points(operating_point: str | None, holdout_split: str | None) -> PointOptions:
    """The options checked: a criterion in one of its forms, a fraction in (0, 1)."""
    if operating_point is None:
        if holdout_split is not None:
            raise DataError(
                "--holdout-split needs --operating-point CRITERION, the criterion that chooses "
                f"each model's threshold: {forms()}."
            )
        return PointOptions(None, None)
    criterion = parse_criterion(operating_point)
    return PointOptions(
        criterion, None if holdout_split is None else holdout_fraction(holdout_split)
    )


operating_options = _group(
    "points",
    _points,
    [
        (
            "operating_point",
            env_option(
                "--operating-point",
                env="CHAMPION_OPERATING_POINT",
                metavar="CRITERION",
                help="Also compare each model at the threshold CRITERION chooses for it, with "
                "intervals: min_cost:FP:FN, recall_at_precision:P, fpr_at_recall:R, youden or "
                "max_f1.",
            ),
        ),
        (
            "holdout_split",
            env_option(
                "--holdout-split",
                env="CHAMPION_HOLDOUT_SPLIT",
                metavar="FRACTION",
                help="With --operating-point: choose each threshold on this share of the rows "
                "(stratified, drawn with --seed) and report on the rest, e.g. 0.5; without it "
                "the same rows choose and report, which is optimistic.",
            ),
        ),
    ],
)


def points_json(found: MatchedPoints | None) -> dict[str, Any]:
    """The "operating_points" key of compare's JSON ({} without --operating-point)."""
    return {} if found is None else {"operating_points": found.to_dict()}


def _note(found: MatchedPoints) -> str:
    if found.optimistic:
        return (
            "Note: each threshold was chosen and reported on the same rows, which is "
            "optimistic: the values lean the criterion's way (the best threshold for these "
            "rows, noise included) and the intervals cover less often than they say. "
            "--holdout-split 0.5 chooses on half of the rows and reports on the other half."
        )
    return (
        f"Thresholds chosen on {found.choose_rows:,} rows and reported on the other "
        f"{found.report_rows:,} (holdout split {found.fraction:g}, seed {found.seed}): not "
        "optimistic."
    )


def _title(found: MatchedPoints) -> str:
    """ "Operating points (max_f1): each model at its own threshold, F1 [95% CI]"."""
    quantity = quantity_label(found.criterion.quantity, "en")
    level = fmt_percent(found.confidence)
    return (
        f"Operating points ({found.criterion.text}): each model at its own threshold, "
        f"{quantity} [{level} CI]"
    )


def _split(text: str) -> list[str]:
    """ "0.7000 [0.6128, 0.7747]" -> ["0.7000", "[0.6128, 0.7747]"]: value and interval, each a
    phrase of its own (a line may break between them, never inside one)."""
    value, sep, interval = text.partition(" [")
    return [value, f"[{interval}"] if sep else [text]


def _item(header: tuple[str, ...], row: tuple[Cell, ...]) -> Phrases:
    """One model's row as a list item, for terminals too narrow for either table."""
    phrases = [f"- {row[0].text}:"]
    for name, cell in zip(header[1:-2], row[1:-2], strict=True):
        *first, last = _split(cell.text)
        phrases += [name, *first, f"{last},"]
    if row[-1].text:  # a challenger: its difference and p-value
        *first, last = _split(row[-2].text)
        phrases += [header[-2], *first, f"{last},", f"p {row[-1].text}"]
    else:
        phrases[-1] = phrases[-1].removesuffix(",")
        phrases.append(f"({row[-2].text})")
    return Phrases(phrases, indent="  ")


def operating_table(found: MatchedPoints) -> Fitted:
    """The matched points as a table when it fits (values beside their intervals, else above
    them), else one item per model; the note below."""
    view = matched_view(found, "en")
    tables = []
    for stacked in (False, True):
        table = Table(expand=False)
        for i, header in enumerate(view.header):
            table.add_column(header, justify="left" if i == 0 else "right", overflow="fold")
        for row in view.rows:
            texts = [cell.text for cell in row]
            table.add_row(*("\n".join(_split(text)) if stacked else text for text in texts))
        tables.append(table)
    items = [_item(view.header, row) for row in view.rows]
    title = Phrases(_title(found).split(" "), style="table.title")
    caption = Phrases(_note(found).split(" "), style="table.caption")
    return Fitted(title, tables, items, caption)


def print_points(found: MatchedPoints | None, console: Console) -> None:
    """The operating-points table after the comparison (nothing without --operating-point)."""
    if found is not None:
        console.print(Text(""))
        console.print(operating_table(found))


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def points_markdown(found: MatchedPoints | None) -> str:
    """An "## Operating points" section (empty without --operating-point)."""
    if found is None:
        return ""
    view = matched_view(found, "en")
    lines = ["", "## Operating points", "", f"{_title(found)}.", ""]
    lines.append("| " + " | ".join(_md(h) for h in view.header) + " |")
    lines.append("|:---" + "|---:" * (len(view.header) - 1) + "|")
    lines += ["| " + " | ".join(_md(c.text) for c in row) + " |" for row in view.rows]
    return "\n".join([*lines, "", _note(found), ""])
