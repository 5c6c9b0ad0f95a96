"""Helpers shared by the champion commands (their options are in ``options.py``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click


def json_ready(value: Any) -> Any:
    """value with every non-finite float as None: strict JSON (to_dict already writes
    undefined values as None; this guards what slips past)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    return value


def echo_json(data: Any) -> None:
    click.echo(json.dumps(json_ready(data), indent=2, allow_nan=False))


def cache_dir_default(cache_dir: Path | None) -> Path:
    from champion.cache import default_cache_dir

    return cache_dir if cache_dir is not None else default_cache_dir()
