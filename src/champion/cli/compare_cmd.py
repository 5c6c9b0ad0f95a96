"""``champion compare``: models from the registry scored on a test set, or stored predictions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from champion.cli import multiclass_cmd as multiclass
from champion.cli import spark_cmd
from champion.cli.common import echo_json
from champion.cli.compare_gate import (
    gate_dict,
    gate_lines,
    gate_markdown,
    gate_options,
    judge,
    raise_if_refused,
)
from champion.cli.multiclass_cmd import class_patterns
from champion.cli.operating_cmd import (
    PointOptions,
    operating_options,
    points_json,
    points_markdown,
    print_points,
)
from champion.cli.progress import scoring_progress
from champion.cli.render import print_comparison, print_scored
from champion.data import column, parse_label, read_table, values_of
from champion.engine_options import EngineOptions, engine_options
from champion.errors import DataError
from champion.evaluation import Comparison
from champion.evaluation import compare as compare_models
from champion.options import (
    DataOptions,
    OutputOptions,
    ScoringOptions,
    data_options,
    output_group,
    scoring_options,
    statistics_options,
)
from champion.presentation import comparison_markdown

if TYPE_CHECKING:
    from champion.evaluation.operating_results import MatchedPoints
    from champion.workspace import Statistics


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


def compare_predictions(
    path: str,
    score_options: tuple[str, ...],
    baseline: str | None,
    data: DataOptions,
    statistics: dict[str, Any],
) -> Comparison:
    """The comparison of score columns of a stored predictions table (its target, positive
    label and size limits from data)."""
    target, pos_label = data.target, data.pos_label
    if not target:
        raise DataError("--predictions needs --target COL, the column of the true labels.")
    if not score_options:
        raise DataError("--predictions needs --score NAME=COL for each model (at least one).")
    score_columns = parse_scores(score_options)
    names = list(score_columns)
    chosen = names[0] if baseline is None else baseline
    if chosen not in score_columns:
        raise DataError(
            f"--baseline {chosen!r} is not one of the models given with --score: "
            f"{', '.join(names)}."
        )
    frame = read_table(path, data.limits())
    labels = column(frame, target, "target")
    scores = {name: values_of(column(frame, col, "score")) for name, col in score_columns.items()}
    try:
        return compare_models(
            values_of(labels),
            scores,
            baseline=chosen,
            pos_label=parse_label(labels, pos_label),
            **statistics,
        )
    except DataError as err:
        message = in_context(str(err), path, target, score_columns)
        if "is not binary" in message:
            message += (
                " For a classifier of three or more classes give each model's class "
                "probability columns as a pattern whose * stands for the class: --score "
                "NAME=PREFIX* (e.g. --score v1=v1_* for v1_adelie, v1_gentoo, ...)."
            )
        raise DataError(message) from err


def require_one_source(model_uris: tuple[str, ...], predictions: str | None) -> None:
    """DataError unless the models come either from MODEL_URIs or from --predictions (compare
    and report, either engine)."""
    if predictions and model_uris:
        raise DataError("give either MODEL_URIs (with --data) or --predictions, not both.")
    if not predictions and not model_uris:
        raise DataError(
            "name the models to compare (e.g. models:/titanic/1 models:/titanic/2) with "
            "--data, or give --predictions FILE with --score NAME=COL."
        )


F = TypeVar("F", bound=Callable[..., Any])


def models_options(command: F) -> F:
    """--predictions FILE, --score NAME=COL (repeatable) and --baseline: which models a
    comparison is of, besides the MODEL_URI arguments (compare, report)."""
    command = click.option(
        "--baseline",
        metavar="URI|@ALIAS|NAME",
        help="The model the others are compared with [the @champion version, else the first].",
    )(command)
    command = click.option(
        "--score",
        "score_options",
        multiple=True,
        metavar="NAME=COL",
        help="With --predictions: a model's name and its score column (NAME=PREFIX* for its "
        "class probability columns, three or more classes); repeat for each model.",
    )(command)
    return click.option(
        "--predictions",
        "predictions",
        metavar="FILE",
        help="Instead of MODEL_URIs: a table of labels and stored scores (.csv/.parquet).",
    )(command)


@click.command(short_help="Compare models on the same rows, with paired tests.")
@click.argument("model_uris", nargs=-1, metavar="[MODEL_URI]...")
@data_options
@models_options
@gate_options
@operating_options
@statistics_options
@scoring_options
@engine_options
@output_group(("table", "json", "markdown"))
def compare(
    model_uris: tuple[str, ...],
    data: DataOptions,
    predictions: str | None,
    score_options: tuple[str, ...],
    baseline: str | None,
    gate_rules: tuple[str, ...],
    adjust: str,
    points: PointOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    out: OutputOptions,
) -> None:
    """Compare registered models (models:/NAME@ALIAS, models:/NAME/VERSION, models:/MODEL_ID,
    runs:/RUN/PATH) scored on one test set, or the score columns of a predictions table, each
    against the baseline with paired tests. With --gate, every challenger is gated and the
    command exits with 1 when one fails."""
    extra: dict[str, Any] = {}
    scored: dict[str, Any] = {}
    matched = None
    if engine.spark:
        result, scored, extra, matched = on_spark(
            model_uris, predictions, score_options, baseline, data, stats, scoring, engine, points
        )
    elif predictions:
        require_one_source(model_uris, predictions)
        patterns = class_patterns(parse_scores(score_options)) if score_options else None
        if patterns is not None:
            multiclass.refuse_operating_points(points)
            several = multiclass.compare_predictions(
                predictions, patterns, baseline, data, stats.options()
            )
            verdicts = judge_gate(several[0], gate_rules, adjust)
            multiclass.show_multiclass(several, verdicts, out.format)
            return
        result = compare_predictions(predictions, score_options, baseline, data, stats.options())
        columns = parse_scores(score_options)
        matched = points.of_predictions(predictions, columns, result.baseline, data, stats)
    else:
        require_one_source(model_uris, predictions)
        dataset = data.load(scoring.tracking_uri)
        if dataset.classes is not None:
            multiclass.refuse_operating_points(points)
            with scoring_progress(out.progress) as progress:
                workspace = scoring.workspace(progress)
                several, scored = workspace.compare_multiclass(
                    list(model_uris), dataset, stats, baseline
                )
            extra = {
                "dataset": dataset.summary(),
                "scored": {uri: scored_dict(s) for uri, s in scored.items()},
            }
            verdicts = judge_gate(several[0], gate_rules, adjust)
            multiclass.show_multiclass(several, verdicts, out.format, extra, scored)
            return
        with scoring_progress(out.progress) as progress:
            workspace = scoring.workspace(progress)
            result, scored = workspace.compare(list(model_uris), dataset, stats, baseline)
        extra["dataset"] = dataset.summary()
        extra["scored"] = {uri: scored_dict(s) for uri, s in scored.items()}
        matched = points.of_models(workspace, scored, result.baseline, dataset, stats)
    verdicts = judge(result, gate_rules, adjust) if gate_rules else None
    if verdicts is not None:
        extra["gate"] = gate_dict(verdicts, result.baseline)
    if out.format == "json":
        echo_json({**result.to_dict(), **extra, **points_json(matched)})
    elif out.format == "markdown":
        gate = "" if verdicts is None else gate_markdown(verdicts, result.baseline)
        click.echo(comparison_markdown(result) + gate + points_markdown(matched), nl=False)
    else:
        console = Console(highlight=False)
        if scored:
            print_scored(scored, extra["dataset"], console)
        print_comparison(result, console)
        print_points(matched, console)
        for line in [] if verdicts is None else ["", *gate_lines(verdicts, result.baseline)]:
            click.echo(line)
    if verdicts is not None:
        raise_if_refused(verdicts)


def on_spark(
    model_uris: tuple[str, ...],
    predictions: str | None,
    score_options: tuple[str, ...],
    baseline: str | None,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    points: PointOptions,
) -> tuple[Comparison, dict[str, Any], dict[str, Any], MatchedPoints | None]:
    """(comparison, scored models, what --format json adds, the matched operating points)
    with --engine spark."""
    require_one_source(model_uris, predictions)
    if points.criterion is not None:
        spark_cmd.refuse_holdout(points)
    if predictions:
        if not score_options:
            raise DataError("--predictions needs --score NAME=COL for each model (at least one).")
        columns = parse_scores(score_options)
        if class_patterns(columns) is not None:
            raise DataError("--engine spark compares binary classifiers; multiclass comes later.")
        found, table = spark_cmd.compare_predictions(
            predictions, columns, baseline, data, stats, engine
        )
        matched = None
        if points.criterion is not None:
            frame = table.rows.frame
            matched = spark_cmd.spark_points(points, frame, table, columns, found.baseline, stats)
        return found, {}, {}, matched
    return spark_cmd.compare_models(model_uris, baseline, data, stats, scoring, engine, points)


def judge_gate(cmp: Any, rules: tuple[str, ...], adjust: str) -> Any:
    """Each challenger's gate verdict, or None without --gate."""
    return judge(cmp, rules, adjust) if rules else None


def scored_dict(s: Any) -> dict[str, Any]:
    """What --format json says of a scored model: which model, its kind, whether cached."""
    return {
        "name": s.resolved.name,
        "version": s.resolved.version,
        "model_id": s.resolved.model_id,
        "run_id": s.resolved.run_id,
        "kind": s.kind,
        "note": s.note,
        "from_cache": s.from_cache,
    }
