"""``champion users``: manage the dashboard's users file (see docs/access-control.md).

Registered, like ``serve`` and ``demo``, through the entry-point group ``champion.commands``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from champion.dashboard.auth import ROLES, UsersFileError, UserStore, add_user


@click.group(short_help="Manage the users who may log in to the dashboard.")
def users() -> None:
    """Manage a dashboard users file: names, roles (viewer reads, operator also promotes and
    rolls back) and password hashes. Pass the file to `champion serve --users FILE`."""


@users.command("add", short_help="Add a user, or change a user's role and password.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="viewer",
    show_default=True,
    help="What NAME may do.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
def add(file: Path, name: str, role: str, password_stdin: bool) -> None:
    """Add NAME to the users FILE (created if missing, readable by its owner only) with a
    hashed password, or change the role and password of an existing NAME. The password is
    asked twice on the terminal, or read from standard input with --password-stdin (never
    from the command line, where other users could see it in the process list)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsersFileError("no password on standard input.")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        existed = name in UserStore.load(file)
    except UsersFileError:  # no file or no users yet; add_user reports a malformed file
        existed = False
    user = add_user(file, name, password, role)
    verb = "updated" if existed else "added"
    click.echo(f"{verb} {user.name} ({user.role}) in {file}")
