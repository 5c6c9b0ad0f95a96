"""The ``champion`` command line: a click group; errors become one paragraph and an exit code."""

from __future__ import annotations

import json
import math
from typing import Any

import click
from rich.console import Console

from champion import __version__
from champion.cli.render import print_comparison
from champion.data import column, parse_label, read_table, values_of
from champion.errors import ChampionError, DataError
from champion.evaluation import compare as compare_models
from champion.presentation import comparison_markdown


class ChampionGroup(click.Group):
    """A group that prints any ChampionError as "error: ..." (no traceback) and exits with
    the error's exit_code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChampionError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)


@click.group(cls=ChampionGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="champion")
def champion() -> None:
    """Decide, with evidence, which version of a classifier should be in production."""


def parse_score(text: str) -> tuple[str, str]:
    """ "NAME=COLUMN" -> (name, column); DataError when malformed."""
    name, sep, col = text.partition("=")
    name, col = name.strip(), col.strip()
    if not sep or not name or not col:
        raise DataError(
            f"--score {text!r} is malformed: write --score NAME=COLUMN, e.g. "
            "--score initial=score_v1 (NAME is the model's name, COLUMN the column of its scores)."
        )
    return name, col


def parse_scores(texts: tuple[str, ...]) -> dict[str, str]:
    """Model name -> score column, in the order given; DataError on a repeated name."""
    chosen: dict[str, str] = {}
    for text in texts:
        name, col = parse_score(text)
        if name in chosen:
            raise DataError(
                f"model name {name!r} is given twice (--score {name}={chosen[name]} and "
                f"--score {text}); give every model its own name."
            )
        chosen[name] = col
    return chosen


def in_context(message: str, path: str, target: str, score_columns: dict[str, str]) -> str:
    """An engine message with the file's column names for the API names it uses ("y_true",
    "scores of 'new'") and how its row numbers count."""
    known = [f"y_true is column {target!r}"] if "y_true" in message else []
    known += [
        f"scores of {name!r} are column {col!r}"
        for name, col in score_columns.items()
        if f"scores of {name!r}" in message
    ]
    if "(rows " in message:
        known.append("row numbers count data rows from 0")
    return f"{message} (In {path}: {'; '.join(known)}.)" if known else message


@champion.command(short_help="Compare models on the same rows, with paired tests.")
@click.option(
    "--predictions",
    "path",
    required=True,
    metavar="FILE",
    help="Table of labels and scores: .csv, .csv.gz, .parquet or .pq.",
)
@click.option("--target", required=True, metavar="COL", help="Column of the true labels.")
@click.option(
    "--score",
    "score_options",
    multiple=True,
    required=True,
    metavar="NAME=COL",
    help="A model's name and the column of its scores; repeat for each model.",
)
@click.option("--baseline", metavar="NAME", help="Model the others are compared with [first].")
@click.option("--threshold", default=0.5, show_default=True, help="Score >= threshold is positive.")
@click.option("--pos-label", default="1", show_default=True, help="Label of the positive class.")
@click.option("--confidence", default=0.95, show_default=True, help="Confidence level.")
@click.option(
    "--n-boot", default=1000, show_default=True, help="Bootstrap resamples (0 turns it off)."
)
@click.option("--seed", default=0, show_default=True, help="Random seed of the bootstrap.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def compare(
    path: str,
    target: str,
    score_options: tuple[str, ...],
    baseline: str | None,
    threshold: float,
    pos_label: str,
    confidence: float,
    n_boot: int,
    seed: int,
    output: str,
) -> None:
    """Compare models' scores on the same rows, each against the baseline, with paired tests."""
    score_columns = parse_scores(score_options)
    names = list(score_columns)
    chosen = names[0] if baseline is None else baseline
    if chosen not in score_columns:
        raise DataError(
            f"--baseline {chosen!r} is not one of the models given with --score: "
            f"{', '.join(names)}."
        )
    frame = read_table(path)
    labels = column(frame, target, "target")
    scores = {name: values_of(column(frame, col, "score")) for name, col in score_columns.items()}
    positive = parse_label(labels, pos_label)
    try:
        cmp = compare_models(
            values_of(labels),
            scores,
            baseline=chosen,
            pos_label=positive,
            threshold=threshold,
            confidence=confidence,
            n_boot=n_boot,
            random_state=seed,
        )
    except DataError as err:
        raise DataError(in_context(str(err), path, target, score_columns)) from err
    if output == "json":
        click.echo(json.dumps(json_ready(cmp.to_dict()), indent=2, allow_nan=False))
    elif output == "markdown":
        click.echo(comparison_markdown(cmp), nl=False)
    else:
        print_comparison(cmp, Console(highlight=False))


def json_ready(value: Any) -> Any:
    """value with every non-finite float (an infinite DeLong z, say) as None: strict JSON.

    to_dict() already writes undefined values as None; this is the guard for what slips past.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    return value


def main() -> None:
    """Entry point of the ``champion`` script and ``python -m champion``."""
    champion(prog_name="champion")
