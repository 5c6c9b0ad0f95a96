"""The ``champion`` command line: a click group; errors become one paragraph and an exit code."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import click

from champion import __version__
from champion.cli.actions_cmd import history, promote, rollback
from champion.cli.common import json_ready
from champion.cli.compare_cmd import compare
from champion.cli.evaluate_cmd import evaluate
from champion.cli.registry_cmd import cache, models
from champion.errors import ChampionError

__all__ = ["champion", "json_ready", "main"]


PLUGIN_GROUP = "champion.commands"


class ChampionGroup(click.Group):
    """A group that prints any ChampionError as "error: ..." (no traceback) and exits with
    the error's exit_code. Commands of other packages (the dashboard's ``serve`` and ``demo``)
    come from the entry-point group "champion.commands" and load only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        plugins = [ep.name for ep in entry_points(group=PLUGIN_GROUP)]
        return sorted({*super().list_commands(ctx), *plugins})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        for ep in entry_points(group=PLUGIN_GROUP, name=cmd_name):
            command: click.Command = ep.load()
            return command
        return None

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


champion.add_command(compare)
champion.add_command(evaluate)
champion.add_command(models)
champion.add_command(cache)
champion.add_command(promote)
champion.add_command(rollback)
champion.add_command(history)


def main() -> None:
    """Entry point of the ``champion`` script and ``python -m champion``."""
    champion(prog_name="champion")
