"""``champion models`` (what the registry holds) and ``champion cache`` (the score cache)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from champion.cli.common import cache_dir_default, echo_json
from champion.errors import redact
from champion.options import format_option, require_tracking_uri, tracking_option

if TYPE_CHECKING:
    from champion.object_cache import ObjectStore


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
    metavar="PATH|URI",
    help="Cache folder [~/.cache/champion], or the object-store prefix (s3://...) hosts share.",
)


def _shared(cache_dir: str | None) -> ObjectStore | None:
    """The shared store a --cache-dir URI names (None for a folder)."""
    from champion.object_cache import is_shared_location, open_store

    return open_store(cache_dir) if cache_dir and is_shared_location(cache_dir) else None


def _shared_table(store: ObjectStore, output: str) -> None:
    from champion.object_cache import shared_kind

    found = store.listing()
    if output == "json":
        echo_json(
            [
                {
                    "type": shared_kind(o),
                    "path": store.location(o.name),
                    "size": o.size,
                    "age_seconds": round(o.age, 1),
                }
                for o in found
            ]
        )
        return
    total = sum(o.size for o in found)
    title = f"Shared cache at {store.uri}: {len(found)} entries, {_size(total)}"
    table = Table(title=title, title_justify="left")
    for header in ("kind", "key", "size", "age"):
        table.add_column(header, overflow="fold")
    for o in found:
        key = o.name.rsplit("/", 1)[-1].split(".")[0][:12]
        table.add_row(shared_kind(o), key, _size(o.size), _age(o.age))
    Console(highlight=False).print(table)


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
def cache_list(cache_dir: str | None, output: str) -> None:
    """List cached scores and results: kind, what it is about, size and age (since last use;
    in a shared object store, since written)."""
    from champion.cache import ScoreCache
    from champion.workspace.inventory import describe, entries

    shared = _shared(cache_dir)
    if shared is not None:
        _shared_table(shared, output)
        return
    root = cache_dir_default(None if cache_dir is None else Path(cache_dir))
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
def cache_prune(cache_dir: str | None, max_size: str | None, older_than: str | None) -> None:
    """Remove entries unused for longer than --older-than, then the least recently used until
    the cache takes at most --max-size. Removed entries are computed again when next needed.
    In a shared object store, age counts from writing (reads are not recorded there)."""
    from champion.errors import DataError
    from champion.object_cache import prune_shared
    from champion.workspace.inventory import parse_age, parse_size, prune

    if max_size is None and older_than is None:
        raise DataError(
            "say what to prune: --max-size SIZE (e.g. 2GB), --older-than AGE (e.g. 30d)."
        )
    size = None if max_size is None else parse_size(max_size)
    age = None if older_than is None else parse_age(older_than)
    shared = _shared(cache_dir)
    if shared is not None:
        gone = prune_shared(shared, size, age)
        freed = sum(o.size for o in gone)
        click.echo(f"removed {len(gone)} entries ({_size(freed)}) from {shared.uri}")
        return
    root = cache_dir_default(None if cache_dir is None else Path(cache_dir))
    removed = prune(root, size, age)
    freed = sum(e.size for e in removed)
    click.echo(f"removed {len(removed)} entries ({_size(freed)}) from {root}")


@cache.command("clear")
@cache_dir_option
def cache_clear(cache_dir: str | None) -> None:
    """Remove every cached score vector and result (of the shared store, for a URI)."""
    from champion.cache import ScoreCache
    from champion.object_cache import prune_shared
    from champion.workspace.inventory import prune

    shared = _shared(cache_dir)
    if shared is not None:
        gone = prune_shared(shared, max_size=0)
        click.echo(f"removed {len(gone)} cached objects from {shared.uri}")
        return
    folder = cache_dir_default(None if cache_dir is None else Path(cache_dir))
    removed = len(prune(folder, max_size=0)) + ScoreCache(folder).clear()
    click.echo(f"removed {removed} cached files from {folder}")
