"""The option groups the commands share, each collected into one frozen dataclass (the CLI's
commands and the dashboard's serve command alike).

A command declares ``@data_options`` and receives ``data: DataOptions`` instead of five loose
parameters; the same groups serve ``compare``, ``evaluate``, ``promote``, ``serve`` and
``demo``. Every option can also be set from an environment variable (``CHAMPION_THRESHOLD``,
``CHAMPION_CACHE_DIR``, ...; the tracking server from MLflow's own ``MLFLOW_TRACKING_URI``),
shown in ``--help``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from champion.workspace.keys import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from champion.cache import ScoreCache
    from champion.data import EvalDataset, Limits
    from champion.workspace import ProgressHook, ScoringPolicy, Statistics, Workspace

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class DataOptions:
    """The test set: a CSV / Parquet file or URL, a recipe, the target column, the positive
    label, the feature columns (None: every other column) and how large it may be (bytes of
    file or download, rows)."""

    source: str | None
    recipe: str | None
    target: str | None
    pos_label: str
    features: tuple[str, ...] | None
    max_bytes: int = 2_000_000_000
    max_rows: int = 20_000_000

    def limits(self) -> Limits:
        from champion.data import Limits

        return Limits(self.max_bytes, self.max_rows)

    def load(self, tracking_uri: str | None = None) -> EvalDataset:
        """The test set; a runs:/ or mlflow-artifacts:/ source is read through the tracking
        server at tracking_uri (None: MLFLOW_TRACKING_URI)."""
        from champion.data import load_dataset
        from champion.errors import DataError
        from champion.models.datasets import artifact_fetcher

        if not self.source:
            raise DataError("give the test set with --data PATH|URI (CSV or Parquet).")
        return load_dataset(
            self.source,
            target=self.target,
            pos_label=self.pos_label,
            features=list(self.features) if self.features else None,
            recipe=self.recipe,
            limits=self.limits(),
            fetch=artifact_fetcher(tracking_uri),
        )


@dataclass(frozen=True)
class ScoringOptions:
    """Where the models are and how they may be loaded and scored."""

    tracking_uri: str | None
    trust_types: tuple[str, ...]
    allow_pickle: bool
    timeout: float
    no_cache: bool
    cache_dir: Path | None
    allowed_sources: tuple[str, ...] = ()
    shared_cache: str | None = None  # an object-store prefix several hosts share (s3://...)

    def policy(self) -> ScoringPolicy:
        from champion.workspace import ScoringPolicy

        return ScoringPolicy(
            self.trust_types, self.allow_pickle, self.timeout, self.allowed_sources
        )

    def workspace(self, progress: ProgressHook | None = None) -> Workspace:
        """The composer over this tracking server and score cache."""
        from champion.models import MlflowRegistry
        from champion.workspace import Workspace

        registry = MlflowRegistry(require_tracking_uri(self.tracking_uri))
        cache = None if self.no_cache else self.cache()
        return Workspace(registry, cache, self.policy(), progress)

    def cache(self) -> ScoreCache:
        """The score cache: the local folder, with the shared tier when one is named."""
        from champion.cache import ScoreCache
        from champion.object_cache import open_store

        shared = open_store(self.shared_cache) if self.shared_cache else None
        return ScoreCache(self.cache_dir, shared)


@dataclass(frozen=True)
class OutputOptions:
    """How results are printed: format (table, json, markdown) and verbosity (-1 quiet: no
    progress bars; 0 normal; 1 verbose: what was read from the cache and what was computed)."""

    format: str
    verbosity: int

    @property
    def progress(self) -> bool:
        return self.format == "table" and self.verbosity >= 0


def require_tracking_uri(tracking_uri: str | None) -> str:
    from champion.errors import RegistryError

    if not tracking_uri:
        raise RegistryError(
            "no tracking server given: pass --tracking-uri URI or set MLFLOW_TRACKING_URI "
            "(e.g. sqlite:///mlflow.db or http://127.0.0.1:5000)."
        )
    return tracking_uri


def env_option(*decls: str, env: str, **attrs: Any) -> Callable[[F], F]:
    """click.option also read from the environment variable env, which --help shows."""
    return click.option(*decls, envvar=env, show_envvar=True, **attrs)


def format_option(*formats: str) -> Callable[[F], F]:
    """--format (one of formats, the first the default) as the parameter ``output``."""
    return env_option(
        "--format",
        "output",
        env="CHAMPION_FORMAT",
        type=click.Choice(formats),
        default=formats[0],
        show_default=True,
        help="How to print the result.",
    )


def _group(
    param: str, build: Callable[..., Any], options: list[tuple[str, Callable[[F], F]]]
) -> Callable[[F], F]:
    """A decorator adding options (each: its parameter name, its click decorator) whose
    values reach the command as one value, build(**values), under the name param."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name, _ in options}
            return function(*args, **{**kwargs, param: build(**values)})

        decorated: Any = wrapper
        for _, option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


def _features(text: str | None) -> tuple[str, ...] | None:
    chosen = tuple(f.strip() for f in (text or "").split(",") if f.strip())
    return chosen or None


tracking_option = click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    show_envvar=True,
    metavar="URI",
    help="MLflow tracking server or store (sqlite:///path.db, http://host:5000).",
)


def _data(
    data_source: str | None,
    recipe: str | None,
    target: str | None,
    pos_label: str,
    features: str | None,
    max_bytes: str,
    max_rows: int,
) -> DataOptions:
    from champion.workspace.inventory import parse_size

    size = parse_size(max_bytes).__index__()
    return DataOptions(data_source, recipe, target, pos_label, _features(features), size, max_rows)


data_options = _group(
    "data",
    _data,
    [
        (
            "data_source",
            env_option(
                "--data",
                "data_source",
                env="CHAMPION_DATA",
                metavar="PATH|URI",
                help="Test set: a CSV or Parquet file or a folder of Parquet files; an "
                "http(s) URL; s3://, gs:// or abfs:// (a file or a prefix of Parquet files); "
                "runs:/RUN_ID/path or mlflow-artifacts:/path.",
            ),
        ),
        (
            "recipe",
            env_option(
                "--recipe",
                env="CHAMPION_RECIPE",
                metavar="NAME",
                help="Preprocessing recipe, e.g. titanic.",
            ),
        ),
        (
            "target",
            env_option(
                "--target", env="CHAMPION_TARGET", metavar="COL", help="Column of the true labels."
            ),
        ),
        (
            "pos_label",
            env_option(
                "--pos-label",
                env="CHAMPION_POS_LABEL",
                default="1",
                show_default=True,
                help="Label of the positive class.",
            ),
        ),
        (
            "features",
            env_option(
                "--features",
                env="CHAMPION_FEATURES",
                metavar="COLS",
                help="Comma-separated feature columns [every other column].",
            ),
        ),
        (
            "max_bytes",
            env_option(
                "--max-bytes",
                env="CHAMPION_MAX_BYTES",
                default="2GB",
                show_default=True,
                metavar="SIZE",
                help="Largest test set file (or download) read, e.g. 500MB, 8GB.",
            ),
        ),
        (
            "max_rows",
            env_option(
                "--max-rows",
                env="CHAMPION_MAX_ROWS",
                type=click.IntRange(min=1),
                default=20_000_000,
                show_default=True,
                help="Most test set rows read.",
            ),
        ),
    ],
)


def _statistics(threshold: float, confidence: float, n_boot: int, seed: int, ci: str) -> Statistics:
    from champion.workspace import Statistics

    return Statistics(threshold, confidence, n_boot, seed, ci)


def statistics_group(n_boot: int = 1000) -> Callable[[F], F]:
    """The statistics options; n_boot: the default number of bootstrap resamples."""
    return _group(
        "stats",
        _statistics,
        [
            (
                "threshold",
                env_option(
                    "--threshold",
                    env="CHAMPION_THRESHOLD",
                    default=DEFAULT_THRESHOLD,
                    show_default=True,
                    help="A row is predicted positive when its score >= T.",
                ),
            ),
            (
                "confidence",
                env_option(
                    "--confidence",
                    env="CHAMPION_CONFIDENCE",
                    default=0.95,
                    show_default=True,
                    help="Confidence level of the intervals.",
                ),
            ),
            (
                "n_boot",
                env_option(
                    "--n-boot",
                    env="CHAMPION_N_BOOT",
                    default=n_boot,
                    show_default=True,
                    help="Bootstrap resamples behind the intervals (0 turns it off).",
                ),
            ),
            (
                "seed",
                env_option(
                    "--seed",
                    env="CHAMPION_SEED",
                    default=0,
                    show_default=True,
                    help="Random seed of the bootstrap.",
                ),
            ),
            (
                "ci",
                env_option(
                    "--ci",
                    env="CHAMPION_CI",
                    type=click.Choice(["auto", "analytic", "bootstrap"]),
                    default="auto",
                    show_default=True,
                    help="How intervals are found: 'analytic' (the delta method, one pass), "
                    "'bootstrap' (--n-boot resamples), 'auto' (analytic from 20,000 "
                    "unweighted rows on).",
                ),
            ),
        ],
    )


statistics_options = statistics_group()


def _scoring(
    tracking_uri: str | None,
    trust_types: tuple[str, ...],
    allow_pickle: bool,
    timeout: float,
    no_cache: bool,
    cache_dir: Path | str | None,
    allowed_sources: tuple[str, ...],
) -> ScoringOptions:
    local, shared = split_cache_location(cache_dir)
    return ScoringOptions(
        tracking_uri,
        tuple(trust_types),
        allow_pickle,
        timeout,
        no_cache,
        local,
        tuple(allowed_sources),
        shared,
    )


def split_cache_location(location: Path | str | None) -> tuple[Path | None, str | None]:
    """(local folder, shared object-store URI) of a --cache-dir value: an s3:// (gs://,
    abfs://...) URI is the shared tier, the local folder then being the default one."""
    from champion.object_cache import is_shared_location

    if location is None:
        return None, None
    if is_shared_location(str(location)):
        return None, str(location)
    return Path(location), None


CACHE_HELP = (
    "Cache folder for scores and results [~/.cache/champion], or an object-store prefix "
    "(s3://bucket/prefix, gs://, abfs://) several hosts share, kept beside the local folder."
)


SCORING_OPTIONS: list[tuple[str, Callable[[F], F]]] = [
    ("tracking_uri", tracking_option),
    (
        "trust_types",
        env_option(
            "--trust-type",
            "trust_types",
            env="CHAMPION_TRUST_TYPES",
            multiple=True,
            metavar="TYPE",
            help="Allow this extra type when loading a skops model (repeatable; in the "
            "environment, separated by spaces).",
        ),
    ),
    (
        "allow_pickle",
        env_option(
            "--allow-pickle",
            env="CHAMPION_ALLOW_PICKLE",
            is_flag=True,
            help="Allow pickle / cloudpickle models (they run code when loaded).",
        ),
    ),
    (
        "timeout",
        env_option(
            "--timeout",
            env="CHAMPION_TIMEOUT",
            type=click.FloatRange(min=0, min_open=True),
            default=600.0,
            show_default=True,
            metavar="SECONDS",
            help="Seconds a model may take to score.",
        ),
    ),
    (
        "no_cache",
        env_option(
            "--no-cache",
            env="CHAMPION_NO_CACHE",
            is_flag=True,
            help="Score again; neither read nor write the cache.",
        ),
    ),
    (
        "cache_dir",
        env_option(
            "--cache-dir",
            env="CHAMPION_CACHE_DIR",
            metavar="PATH|URI",
            help=CACHE_HELP,
        ),
    ),
    (
        "allowed_sources",
        env_option(
            "--allowed-source",
            "allowed_sources",
            env="CHAMPION_ALLOWED_SOURCES",
            multiple=True,
            metavar="PREFIX",
            help="Load models only from artifact locations starting with PREFIX, e.g. "
            "s3://models/ (repeatable; in the environment, separated by spaces) [anywhere].",
        ),
    ),
]
scoring_options = _group("scoring", _scoring, SCORING_OPTIONS)


def _serving(
    tracking_uri: str | None,
    trust_types: tuple[str, ...],
    allow_pickle: bool,
    timeout: float,
    cache_dir: Path | str | None,
    allowed_sources: tuple[str, ...],
) -> ScoringOptions:
    sources = tuple(allowed_sources)
    local, shared = split_cache_location(cache_dir)
    return ScoringOptions(
        tracking_uri, tuple(trust_types), allow_pickle, timeout, False, local, sources, shared
    )


# a dashboard always keeps its scores and results in the cache: every worker reads them there
serving_options = _group(
    "scoring", _serving, [option for option in SCORING_OPTIONS if option[0] != "no_cache"]
)


def _output(output: str, verbose: bool, quiet: bool) -> OutputOptions:
    verbosity = 1 if verbose else -1 if quiet else 0
    if verbosity > 0:
        logging.basicConfig(format="champion: %(message)s")
        logging.getLogger("champion").setLevel(logging.INFO)
    return OutputOptions(output, verbosity)


def output_group(formats: tuple[str, ...]) -> Callable[[F], F]:
    """--format (one of formats, the first is the default), --verbose and --quiet."""
    return _group(
        "out",
        _output,
        [
            ("output", format_option(*formats)),
            (
                "verbose",
                click.option(
                    "--verbose",
                    "-v",
                    is_flag=True,
                    help="Also say what was read from the cache and what was computed.",
                ),
            ),
            (
                "quiet",
                click.option("--quiet", "-q", is_flag=True, help="No progress bars."),
            ),
        ],
    )
