"""The ``champion`` command line: a click group; errors become one paragraph and an exit code.

Every command lives in its own module, imported only when that command runs: ``COMMANDS`` maps
a name to ``"module:attribute"`` and the short help ``champion --help`` shows, so listing the
commands imports none of them (nor numpy, pandas, MLflow or Dash behind them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

from champion import __version__
from champion.errors import ChampionError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from champion.cli.common import json_ready

__all__ = [
    "COMMANDS",
    "EXTRA_OF",
    "PLUGIN_GROUP",
    "PLUGIN_HELP",
    "MissingExtra",
    "champion",
    "json_ready",
    "main",
]


#: command name -> ("module:attribute" of the click command, its short help)
COMMANDS: dict[str, tuple[str, str]] = {
    "compare": (
        "champion.cli.compare_cmd:compare",
        "Compare models on the same rows, with paired tests.",
    ),
    "report": (
        "champion.cli.report_cmd:report",
        "Write a comparison as a decision record (HTML, Markdown, JSON).",
    ),
    "evaluate": (
        "champion.cli.evaluate_cmd:evaluate",
        "Evaluate one model on a test set; --log records it in MLflow.",
    ),
    "models": (
        "champion.cli.registry_cmd:models",
        "List registered models, their versions and aliases.",
    ),
    "cache": ("champion.cli.registry_cmd:cache", "Inspect, prune or clear the cache."),
    "promote": (
        "champion.cli.actions_cmd:promote",
        "Point an alias (@champion) at a version, behind a gate.",
    ),
    "rollback": (
        "champion.cli.actions_cmd:rollback",
        "Return an alias to the version that held it before.",
    ),
    "history": (
        "champion.cli.actions_cmd:history",
        "Every change of a model's aliases: when, who, why, gate, outcome.",
    ),
}

PLUGIN_GROUP = "champion.commands"

#: short help of known "champion.commands" entry points, by entry-point value, so that
#: ``champion --help`` need not import the dashboard (any other plugin is loaded to ask it)
PLUGIN_HELP: dict[str, str] = {
    "champion.dashboard.commands:serve": "Serve the dashboard for a registered model.",
    "champion.dashboard.commands:demo": (
        "Run an offline demo (Titanic or penguins): store, versions, dashboard."
    ),
    "champion.dashboard.users_cmd:users": "Manage the users who may log in to the dashboard.",
}


#: top-level modules of an optional extra -> that extra: a command that needs one which is not
#: installed (``pip install champion`` has no dashboard) says what to install, with exit code 2
EXTRA_OF: dict[str, str] = dict.fromkeys(
    (
        "dash",
        "plotly",
        "dash_bootstrap_components",
        "dash_ag_grid",
        "gunicorn",
        "flask",
        "werkzeug",
        "cryptography",
    ),
    "dashboard",
)


class MissingExtra(ChampionError):
    """A command needs a package of an extra of champion that is not installed."""


def missing_extra(err: ModuleNotFoundError, command: str | None) -> MissingExtra:
    """The error to report for err, raised loading or running ``command``: which extra to
    install. err itself is raised again when its module belongs to no extra (a real bug)."""
    extra = EXTRA_OF.get((err.name or "").partition(".")[0])
    if extra is None:
        raise err
    who = f"champion {command}" if command else "this command"
    return MissingExtra(
        f"{who} needs champion's {extra}, which is not installed (no module named "
        f"{err.name!r}): pip install 'champion[{extra}]'"
    )


def _load(target: str) -> click.Command:
    """The click command at ``"module:attribute"``."""
    module, _, attribute = target.partition(":")
    command: click.Command = getattr(importlib.import_module(module), attribute)
    return command


def _plugins(name: str | None = None) -> list[EntryPoint]:
    """The entry points of ``PLUGIN_GROUP`` (named ``name``, if given)."""
    from importlib.metadata import entry_points

    found = entry_points(group=PLUGIN_GROUP)
    return list(found if name is None else found.select(name=name))


class ChampionGroup(click.Group):
    """A group that prints any ChampionError as "error: ..." (no traceback) and exits with
    the error's exit_code. Its own commands come from ``COMMANDS``, those of other packages (the
    dashboard's ``serve``, ``demo`` and ``users``) from the entry-point group
    "champion.commands"; each is imported only when it runs. A command that needs a package of an
    extra that is not installed (see ``EXTRA_OF``) says which extra to install and exits with 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        plugins = [ep.name for ep in _plugins()]
        return sorted({*super().list_commands(ctx), *COMMANDS, *plugins})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        try:
            if cmd_name in COMMANDS:
                return _load(COMMANDS[cmd_name][0])
            for ep in _plugins(cmd_name):
                command: click.Command = ep.load()
                return command
        except ModuleNotFoundError as err:  # its module imports an extra's package
            raise missing_extra(err, cmd_name) from err
        return None

    def short_helps(self, ctx: click.Context, limit: int = 45) -> list[tuple[str, str]]:
        """(name, short help) of every visible command, importing only unknown plugins (their
        help is cut to ``limit`` characters when it is not a short help, as click does)."""
        known: dict[str, str | None] = {name: text for name, (_, text) in COMMANDS.items()}
        known.update({ep.name: PLUGIN_HELP.get(ep.value) for ep in _plugins()})
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            text = None if name in self.commands else known.get(name)
            if text is None:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                text = command.get_short_help_str(limit)
            rows.append((name, text))
        return rows

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands" section of ``--help``, as click writes it, from the tables above."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        rows = self.short_helps(ctx, limit)
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChampionError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)
        except ModuleNotFoundError as err:  # while the command runs
            missing = missing_extra(err, ctx.invoked_subcommand)
            click.echo(f"error: {missing}", err=True)
            ctx.exit(missing.exit_code)


@click.group(cls=ChampionGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="champion")
def champion() -> None:
    """Decide, with evidence, which version of a classifier should be in production."""


if not TYPE_CHECKING:  # mypy reads the import above

    def __getattr__(name: str) -> Any:
        """``json_ready`` (re-exported from ``champion.cli.common``), imported on first use."""
        if name == "json_ready":
            from champion.cli.common import json_ready

            return json_ready
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``champion`` script and ``python -m champion``."""
    champion(prog_name="champion")
