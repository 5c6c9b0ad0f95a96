"""Options and helpers shared by the champion commands."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from champion.data import EvalDataset
    from champion.service import ChampionService

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = click.Choice(["table", "json", "markdown"])


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


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


tracking_option = click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    metavar="URI",
    help="MLflow tracking server or store (sqlite:///path.db, http://host:5000) "
    "[env MLFLOW_TRACKING_URI].",
)

statistics_options = _compose(
    click.option("--threshold", default=0.5, show_default=True, help="Score >= T is positive."),
    click.option("--confidence", default=0.95, show_default=True, help="Confidence level."),
    click.option(
        "--n-boot", default=1000, show_default=True, help="Bootstrap resamples (0 turns it off)."
    ),
    click.option("--seed", default=0, show_default=True, help="Random seed of the bootstrap."),
)

data_options = _compose(
    click.option("--data", "data_source", metavar="PATH|URL", help="Test set: CSV or Parquet."),
    click.option("--recipe", metavar="NAME", help="Preprocessing recipe, e.g. titanic."),
    click.option("--target", metavar="COL", help="Column of the true labels."),
    click.option("--features", metavar="COLS", help="Comma-separated feature columns [the rest]."),
    click.option(
        "--pos-label", default="1", show_default=True, help="Label of the positive class."
    ),
)

scoring_options = _compose(
    click.option(
        "--trust-type",
        "trust_types",
        multiple=True,
        metavar="TYPE",
        help="Allow this extra type when loading a skops model (repeatable).",
    ),
    click.option(
        "--allow-pickle", is_flag=True, help="Allow pickle/cloudpickle models (they run code)."
    ),
    click.option(
        "--timeout", default=600.0, show_default=True, help="Seconds a model may take to score."
    ),
    click.option("--no-cache", is_flag=True, help="Score again; neither read nor write the cache."),
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),
        help="Score cache folder [env CHAMPION_CACHE_DIR, else ~/.cache/champion].",
    ),
)


def require_tracking_uri(tracking_uri: str | None) -> str:
    from champion.errors import RegistryError

    if not tracking_uri:
        raise RegistryError(
            "no tracking server given: pass --tracking-uri URI or set MLFLOW_TRACKING_URI "
            "(e.g. sqlite:///mlflow.db or http://127.0.0.1:5000)."
        )
    return tracking_uri


def load_test_set(
    data_source: str | None,
    recipe: str | None,
    target: str | None,
    features: str | None,
    pos_label: str,
) -> EvalDataset:
    from champion.data import load_dataset
    from champion.errors import DataError

    if not data_source:
        raise DataError("give the test set with --data PATH|URL (CSV or Parquet).")
    chosen = [f.strip() for f in features.split(",") if f.strip()] if features else None
    return load_dataset(
        data_source, target=target, pos_label=pos_label, features=chosen, recipe=recipe
    )


def build_service(
    tracking_uri: str | None,
    trust_types: tuple[str, ...],
    allow_pickle: bool,
    timeout: float,
    no_cache: bool,
    cache_dir: Path | None,
    progress: Any = None,
) -> ChampionService:
    from champion.cache import ScoreCache
    from champion.models import MlflowRegistry
    from champion.service import ChampionService, ScoringPolicy

    registry = MlflowRegistry(require_tracking_uri(tracking_uri))
    cache = None if no_cache else ScoreCache(cache_dir)
    policy = ScoringPolicy(tuple(trust_types), allow_pickle, timeout)
    return ChampionService(registry, cache, policy, progress)


def cache_dir_default(cache_dir: Path | None) -> Path:
    from champion.cache import default_cache_dir

    return cache_dir if cache_dir is not None else default_cache_dir()
