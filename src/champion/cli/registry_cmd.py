"""``champion models`` (what the registry holds) and ``champion cache`` (the score cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from champion.cli.common import cache_dir_default, echo_json
from champion.errors import redact
from champion.options import format_option, require_tracking_uri, tracking_option


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
@format_option("table", "json")
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
        console.print(f"no registered models at {redact(registry.tracking_uri)}")
        return
    if name is None:
        title = f"Registered models at {redact(registry.tracking_uri)}"
        table = Table(title=title, title_justify="left")
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


@click.group(short_help="Inspect, prune or clear the cache.")
def cache() -> None:
    """The cache: each model's per-row scores on each test set, and what was computed from
    them (reports, paired comparisons, slice tables), shared by every process using it."""


cache_dir_option = click.option(
    "--cache-dir",
    envvar="CHAMPION_CACHE_DIR",
    show_envvar=True,
    type=click.Path(path_type=Path),
    help="Cache folder [~/.cache/champion].",
)


def _size(size: int) -> str:
    """Bytes in decimal units: "512 B", "3.4 MB"."""
    if size < 1000:
        return f"{size} B"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1000
        if scaled < 1000 or unit == "GB":
            break
    return f"{scaled:.1f} {unit}"


def _age(seconds: float) -> str:
    for limit, unit in ((120, "s"), (7200, "min"), (172800, "h")):
        if seconds < limit:
            scale = {"s": 1, "min": 60, "h": 3600}[unit]
            return f"{seconds / scale:.0f} {unit}"
    return f"{seconds / 86400:.0f} d"


@cache.command("list")
@cache_dir_option
@format_option("table", "json")
def cache_list(cache_dir: Path | None, output: str) -> None:
    """List cached scores and results: kind, what it is about, size and age (since last use)."""
    from champion.cache import ScoreCache
    from champion.workspace.inventory import describe, entries

    root = cache_dir_default(cache_dir)
    details = {e["path"]: e for e in ScoreCache(root).entries()}
    found = entries(root, details)
    if output == "json":
        echo_json([e.to_dict() for e in found])
        return
    total = sum(e.size for e in found)
    table = Table(
        title=f"Cache at {root}: {len(found)} entries, {_size(total)}", title_justify="left"
    )
    for header in ("kind", "about", "rows", "size", "age"):
        table.add_column(header, overflow="fold")
    for e in found:
        rows = str(e.detail.get("rows", "")) if e.kind == "scores" else ""
        table.add_row(e.kind, describe(e), rows, _size(e.size), _age(e.age))
    Console(highlight=False).print(table)


@cache.command("prune")
@cache_dir_option
@click.option(
    "--max-size", metavar="SIZE", help="Keep at most this much, e.g. 2GB (least recently used go)."
)
@click.option("--older-than", metavar="AGE", help="Remove entries unused for longer, e.g. 30d.")
def cache_prune(cache_dir: Path | None, max_size: str | None, older_than: str | None) -> None:
    """Remove entries unused for longer than --older-than, then the least recently used until
    the cache takes at most --max-size. Removed entries are computed again when next needed."""
    from champion.errors import DataError
    from champion.workspace.inventory import parse_age, parse_size, prune

    if max_size is None and older_than is None:
        raise DataError(
            "say what to prune: --max-size SIZE (e.g. 2GB), --older-than AGE (e.g. 30d)."
        )
    root = cache_dir_default(cache_dir)
    removed = prune(
        root,
        None if max_size is None else parse_size(max_size),
        None if older_than is None else parse_age(older_than),
    )
    freed = sum(e.size for e in removed)
    click.echo(f"removed {len(removed)} entries ({_size(freed)}) from {root}")


@cache.command("clear")
@cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Remove every cached score vector and result."""
    from champion.cache import ScoreCache
    from champion.workspace.inventory import prune

    folder = cache_dir_default(cache_dir)
    removed = len(prune(folder, max_size=0)) + ScoreCache(folder).clear()
    click.echo(f"removed {removed} cached files from {folder}")
