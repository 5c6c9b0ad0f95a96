"""``champion promote``, ``champion rollback`` and ``champion history``: move an alias safely.

The commands are thin: they read the alias when they start (that value is the version the user
decides against, unless ``--expect-current`` says otherwise), evaluate the gate on a test set
when a champion is being replaced, and call ``champion.actions``. Exit codes: 0 done (or
nothing to do), 1 the gate refused, 2 bad input or the registry refused (401, 403,
unreachable), 3 the alias changed meanwhile or its lock stayed busy; a dry run exits with the
code of what it foresees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from champion.cli.common import echo_json
from champion.cli.progress import scoring_progress
from champion.errors import DataError
from champion.options import (
    DataOptions,
    ScoringOptions,
    data_options,
    format_option,
    require_tracking_uri,
    scoring_options,
    statistics_options,
    tracking_option,
)

if TYPE_CHECKING:
    from champion.actions import ActionResult, HistoryEntry, HistoryProblem
    from champion.evaluation import GateCheck
    from champion.evaluation.gates import Adjust
    from champion.workspace import Statistics

_DETAILED = ("pending", "interrupted", "failed", "conflict", "unreadable")


def parse_expected(text: str | None, current: str | None) -> str | None:
    """The version the user expects the alias to hold: ``--expect-current`` (a version number
    or "none") if given, else the version read when the command started."""
    if text is None:
        return current
    value = text.strip()
    if value.lower() == "none":
        return None
    if value.isdigit() and int(value) > 0:
        return str(int(value))
    raise DataError(
        f"--expect-current {text!r} is not a version: give a version number, or none when the "
        "alias should not be set."
    )


def parse_chosen_from(text: str | None) -> list[str]:
    """``--chosen-from "3,4, 6"`` -> ["3", "4", "6"]; DataError unless version numbers."""
    if not text:
        return []
    versions = [part.strip() for part in text.split(",") if part.strip()]
    bad = [v for v in versions if not (v.isdigit() and int(v) > 0)]
    if bad or not versions:
        raise DataError(
            f"--chosen-from {text!r} is not a list of versions: give the version numbers the "
            "promoted version was chosen among, separated by commas, e.g. --chosen-from 3,4,6."
        )
    return list(dict.fromkeys(str(int(v)) for v in versions))


def echo_gate(gate: GateCheck) -> None:
    """Each rule of the gate with its reason."""
    level = f"{gate.verdict.confidence * 100:g}%"
    family = ""
    if gate.chosen_from:
        how = "Holm-adjusted" if gate.verdict.adjusted else "not adjusted"
        family = f"; chosen from versions {', '.join(gate.chosen_from)}: {how}"
    click.echo(
        f"gate: {'passed' if gate.passed else 'FAILED'} - version {gate.challenger_version} vs "
        f"version {gate.champion_version} on {gate.rows} rows of {gate.source} "
        f"(paired {level} intervals{family})"
    )
    for outcome in gate.verdict.rules:
        click.echo(f"  {outcome.rule}: {outcome.reason}")


def show_result(result: ActionResult, output: str) -> None:
    """Print the result; raise GateFailed / ConcurrentAliasChange for a refusal or conflict."""
    if output == "json":
        echo_json(result.to_dict())
    else:
        planned = result.planned if result.outcome == "dry_run" else result.outcome
        if planned not in ("conflict", "refused"):
            click.echo(result.message)
        if result.gate is not None:
            echo_gate(result.gate)
        for note in result.notes:
            click.echo(f"note: {note}")
    result.raise_for_outcome()  # the message then goes to stderr with the exit code


@click.command(short_help="Point an alias (@champion) at a version, behind a gate.")
@click.argument("name")
@click.argument("version")
@click.option("--alias", default="champion", show_default=True, help="The alias to move.")
@click.option("--reason", required=True, metavar="TEXT", help="Why; kept in the history.")
@click.option(
    "--expect-current",
    metavar="VERSION|none",
    help="Refuse unless the alias holds this version [the version it holds when the command "
    "starts].",
)
@click.option(
    "--gate",
    "gate_rules",
    multiple=True,
    metavar="RULE",
    help="Gate rule, repeatable: METRIC:not-worse, METRIC:superior or "
    "METRIC:non-inferior:MARGIN [roc_auc:not-worse].",
)
@click.option(
    "--chosen-from",
    metavar="VERSIONS",
    help="The other versions VERSION was chosen among (e.g. 3,4,6): all are gated against the "
    "champion together, Holm-adjusted (see --adjust), so picking the best does not inflate "
    "the chance of a false pass.",
)
@click.option(
    "--adjust",
    type=click.Choice(["auto", "holm", "none"]),
    default="auto",
    show_default=True,
    help="With --chosen-from: holm adjusts superior / non-inferior rules across the "
    "candidates; none judges VERSION alone; auto is holm when there are several.",
)
@click.option("--force", is_flag=True, help="Move the alias even if the gate fails or is skipped.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@data_options
@statistics_options
@scoring_options
@format_option("table", "json")
def promote(
    name: str,
    version: str,
    alias: str,
    reason: str,
    expect_current: str | None,
    gate_rules: tuple[str, ...],
    chosen_from: str | None,
    adjust: Adjust,
    force: bool,
    dry_run: bool,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    output: str,
) -> None:
    """Point ALIAS of model NAME at VERSION, if the alias still holds the version it held when
    the command started (or --expect-current). When it replaces a champion, VERSION must pass
    the gate against it on the test set (--data), unless --force (recorded with the reason)."""
    from champion.actions import default_user
    from champion.actions import promote as promote_version
    from champion.evaluation import parse_rules
    from champion.models import MlflowRegistryWriter

    rules = parse_rules(gate_rules)
    candidates = parse_chosen_from(chosen_from)
    writer = MlflowRegistryWriter(require_tracking_uri(scoring.tracking_uri))
    current = writer.model_state(name).aliases.get(alias)
    expected = parse_expected(expect_current, current)
    gate = None
    if expected is not None and expected == current and str(version) != current:
        if data.source:
            dataset = data.load(scoring.tracking_uri)
            with scoring_progress(output == "table") as progress:
                workspace = scoring.workspace(progress)
                champion = workspace.score(f"models:/{name}/{expected}", dataset)
                challenger = workspace.score(f"models:/{name}/{version}", dataset)
                others = [workspace.score(f"models:/{name}/{v}", dataset) for v in candidates]
                gate = workspace.gate(
                    champion, challenger, dataset, stats, rules, None, others, adjust
                )
        elif not force:
            raise DataError(
                f"the gate compares version {version} with the current {alias} (version "
                f"{expected}) on a test set: give --data PATH (with --target COL or --recipe "
                "NAME), or --force to skip the gate (recorded in the history)."
            )
    if candidates and gate is None:
        # said on stderr so that --format json stays one object
        click.echo(
            f"note: --chosen-from {', '.join(candidates)} is not used: no gate runs (there is "
            f"no {alias} to compare with, or --force without --data).",
            err=True,
        )
    result = promote_version(
        writer,
        name,
        version,
        alias=alias,
        reason=reason,
        user=default_user(),
        expected=expected,
        gate=gate,
        force=force,
        dry_run=dry_run,
    )
    show_result(result, output)


@click.command(short_help="Return an alias to the version that held it before.")
@click.argument("name")
@click.option("--alias", default="champion", show_default=True, help="The alias to move back.")
@click.option(
    "--to", "to_version", metavar="VERSION", help="A former holder to return to [the previous]."
)
@click.option("--reason", required=True, metavar="TEXT", help="Why; kept in the history.")
@click.option(
    "--expect-current",
    metavar="VERSION|none",
    help="Refuse unless the alias holds this version [the version it holds now].",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@tracking_option
@format_option("table", "json")
def rollback(
    name: str,
    alias: str,
    to_version: str | None,
    reason: str,
    expect_current: str | None,
    dry_run: bool,
    tracking_uri: str | None,
    output: str,
) -> None:
    """Return ALIAS of model NAME to the version that held it before, as the history records
    it (not "version - 1"); refused when that version was deleted or there is none."""
    from champion.actions import default_user
    from champion.actions import rollback as rollback_alias
    from champion.models import MlflowRegistryWriter

    writer = MlflowRegistryWriter(require_tracking_uri(tracking_uri))
    current = writer.model_state(name).aliases.get(alias)
    result = rollback_alias(
        writer,
        name,
        alias=alias,
        reason=reason,
        user=default_user(),
        expected=parse_expected(expect_current, current),
        to=to_version,
        dry_run=dry_run,
    )
    show_result(result, output)


def _outcome_cell(entry: HistoryEntry) -> str:
    text = entry.outcome + (" (forced)" if entry.forced else "")
    if entry.note and entry.outcome in _DETAILED:
        return f"{text}: {entry.note}"
    return text


def _history_table(name: str, entries: list[HistoryEntry]) -> Table:
    """One row per attempt; the alias column only when several aliases are listed."""
    several = len({e.alias for e in entries}) > 1
    table = Table(title=f"{name}: alias changes", title_justify="left")
    headers = ["#", "when (UTC)", "who", *(["alias"] if several else []), "change", "outcome"]
    for header in (*headers, "gate", "reason"):
        table.add_column(header, overflow="fold")
    for e in entries:
        change = f"{e.action} {e.from_version or '-'} → {e.to_version or '-'}"
        cells = (
            str(e.seq),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.user,
            *([f"@{e.alias}"] if several else []),
            change,
            _outcome_cell(e),
            e.gate_summary,
            e.reason,
        )
        # Text, not markup: reasons and user names are free text ("[urgent] fix" stays as is)
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _show_problems(name: str, problems: list[HistoryProblem], output: str) -> None:
    """One line per problem (or a JSON object); exit 1 when there is any."""
    if output == "json":
        echo_json(
            {"model": name, "intact": not problems, "problems": [p.to_dict() for p in problems]}
        )
    elif problems:
        for problem in problems:
            click.echo(
                problem.message if problem.seq is None else f"@{problem.alias}: {problem.message}"
            )
    else:
        click.echo(f"the history of {name!r} is intact")
    if problems:
        raise SystemExit(1)


@click.command(short_help="Every change of a model's aliases: when, who, why, gate, outcome.")
@click.argument("name")
@click.option("--alias", default=None, help="Only this alias [all of them].")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the history is intact instead: one line per entry changed, missing or "
    "reordered, or alias moved outside champion; exit 1 if any, 0 if none.",
)
@tracking_option
@format_option("table", "json")
def history(
    name: str, alias: str | None, verify: bool, tracking_uri: str | None, output: str
) -> None:
    """Every recorded promote and rollback of model NAME's aliases: when (UTC), who, from, to,
    the reason, the gate verdict, whether it was forced, and the outcome (applied, refused,
    conflict, failed, or interrupted: the writer vanished, with whether the alias was moved)."""
    from champion.actions import alias_status, read_history, verify_history
    from champion.models import MlflowRegistryWriter

    writer = MlflowRegistryWriter(require_tracking_uri(tracking_uri))
    if verify:
        _show_problems(name, verify_history(writer, name, alias), output)
        return
    entries = read_history(writer, name, alias)
    current = writer.model_state(name).aliases
    names = [alias] if alias else sorted({*current, *(e.alias for e in entries)})
    statuses = [alias_status(writer, name, a, current.get(a), entries) for a in names]
    if output == "json":
        data: dict[str, Any] = {
            "model": name,
            "aliases": {s.alias: s.to_dict() for s in statuses},
            "entries": [e.to_dict() for e in entries],
        }
        echo_json(data)
        return
    console = Console(highlight=False)
    for status in statuses:
        console.print(Text(status.text))
    if not entries:
        console.print(f"no alias changes of {name!r} are recorded yet")
        return
    console.print(_history_table(name, entries))
