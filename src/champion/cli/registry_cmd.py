"""``champion models`` (what the registry holds) and ``champion cache`` (the score cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from champion.cli.common import cache_dir_default, echo_json
from champion.cli.options import require_tracking_uri, tracking_option


def _version_dict(v: Any) -> dict[str, Any]:
    return {
        "version": v.version,
        "aliases": list(v.aliases),
        "created": v.created.isoformat(timespec="seconds"),
        "run_id": v.run_id,
        "model_id": v.model_id,
        "description": v.description,
        "has_signature": v.has_signature,
        "source": v.source,
    }


def _model_dict(m: Any) -> dict[str, Any]:
    return {
        "name": m.name,
        "description": m.description,
        "aliases": dict(m.aliases),
        "versions": [_version_dict(v) for v in m.versions],
    }


@click.command(short_help="List registered models, their versions and aliases.")
@click.argument("name", required=False)
@tracking_option
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
def models(name: str | None, tracking_uri: str | None, output: str) -> None:
    """List registered models, or with NAME the versions of one model: version, aliases,
    creation time (UTC), run id, model id, signature and description."""
    from champion.models import MlflowRegistry

    registry = MlflowRegistry(require_tracking_uri(tracking_uri))
    found = [registry.get_model(name)] if name else registry.list_models()
    if output == "json":
        echo_json([_model_dict(m) for m in found])
        return
    console = Console(highlight=False)
    if not found:
        console.print(f"no registered models at {registry.tracking_uri}")
        return
    if name is None:
        table = Table(title=f"Registered models at {registry.tracking_uri}", title_justify="left")
        for header in ("name", "aliases", "versions", "latest", "description"):
            table.add_column(header, overflow="fold")
        for m in found:
            aliases = ", ".join(f"@{a} → v{v}" for a, v in sorted(m.aliases.items()))
            latest = m.versions[0].version if m.versions else "—"
            table.add_row(m.name, aliases, str(len(m.versions)), latest, m.description or "")
        console.print(table)
        return
    model = found[0]
    table = Table(title=f"{model.name}: versions", title_justify="left")
    for header in (
        "version",
        "aliases",
        "created (UTC)",
        "run id",
        "model id",
        "signature",
        "description",
    ):
        table.add_column(header, overflow="fold")
    for v in model.versions:
        table.add_row(
            v.version,
            ", ".join(f"@{a}" for a in v.aliases),
            v.created.strftime("%Y-%m-%d %H:%M:%S"),
            v.run_id or "—",
            v.model_id or "—",
            "yes" if v.has_signature else "no",
            v.description or "",
        )
    console.print(table)


@click.group(short_help="Inspect or clear the score cache.")
def cache() -> None:
    """The score cache: each model's per-row scores on each test set."""


cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Score cache folder [env CHAMPION_CACHE_DIR, else ~/.cache/champion].",
)


@cache.command("list")
@cache_dir_option
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
def cache_list(cache_dir: Path | None, output: str) -> None:
    """List cached score vectors."""
    from champion.cache import ScoreCache

    entries = ScoreCache(cache_dir_default(cache_dir)).entries()
    if output == "json":
        echo_json(entries)
        return
    table = Table(title=f"Score cache at {cache_dir_default(cache_dir)}", title_justify="left")
    for header in ("model", "kind", "rows", "dataset", "created"):
        table.add_column(header, overflow="fold")
    for e in entries:
        table.add_row(
            str(e.get("uri") or e.get("model_identity")),
            str(e.get("kind")),
            str(e.get("rows")),
            str(e.get("dataset_fingerprint", ""))[:12],
            str(e.get("created", "")),
        )
    Console(highlight=False).print(table)


@cache.command("clear")
@cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Remove every cached score vector."""
    from champion.cache import ScoreCache

    folder = cache_dir_default(cache_dir)
    removed = ScoreCache(folder).clear()
    click.echo(f"removed {removed} cached files from {folder}")
