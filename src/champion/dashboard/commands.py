"""``champion serve`` (any registry, production mode) and ``champion demo`` (offline Titanic or
penguins).

The dashboard owns these commands; the ``champion`` CLI finds them through the entry-point group
``champion.commands`` (see pyproject.toml), so the CLI never imports the dashboard.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Any

import click

from champion.dashboard.config import DashboardConfig
from champion.engine_options import EngineOptions, engine_options
from champion.errors import DataError
from champion.options import (
    DataOptions,
    ScoringOptions,
    data_options,
    env_option,
    require_tracking_uri,
    serving_options,
)

#: ``champion demo --dataset`` (the keys of champion.demo.DEMOS, the first the default; named
#: here so that the command line loads without the demo's imports)
DEMO_DATASETS = ("titanic", "penguins")

users_option = click.option(
    "--users",
    "users_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Users who may log in (see `champion users add`); operators may promote and roll "
    "back, without it the dashboard is read-only for everyone. Several workers need "
    "CHAMPION_SECRET_KEY set.",
)


@click.command(short_help="Serve the dashboard for a registered model.")
@click.option(
    "--model",
    "model_name",
    required=True,
    envvar="CHAMPION_MODEL",
    show_envvar=True,
    metavar="NAME",
    help="Registered model whose versions are compared.",
)
@data_options
@serving_options
@engine_options
@env_option(
    "--n-boot",
    env="CHAMPION_N_BOOT",
    default=1000,
    show_default=True,
    help="Bootstrap resamples behind the intervals (large test sets: fewer is faster).",
)
@env_option(
    "--max-request-bytes",
    env="CHAMPION_MAX_REQUEST_BYTES",
    type=click.IntRange(min=1024),
    default=1_000_000,
    show_default=True,
    help="Larger request bodies are refused (413) before they are read.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (--dev: loopback addresses only).",
)
@click.option("--port", default=8050, show_default=True, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default="en",
    show_default=True,
    help="Language the pages open in (the toggle on the page switches it).",
)
@click.option(
    "--mlflow-ui",
    "mlflow_ui",
    metavar="URL",
    help="MLflow UI for run links on the Registry page [the tracking URI when it is http(s)].",
)
@users_option
@click.option(
    "--trusted-origin",
    "trusted_origins",
    multiple=True,
    metavar="URL",
    help="Also accept POSTs from pages of this origin (e.g. https://dash.example.com, the "
    "public address of a reverse proxy); the server's own host is always accepted. Repeatable.",
)
@click.option(
    "--secure-cookies",
    is_flag=True,
    help="Mark the session cookie Secure (sent over HTTPS only): behind an HTTPS proxy.",
)
@click.option(
    "--proxy-fix",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="N",
    help="Believe the X-Forwarded-* headers of N reverse proxies in front of the server.",
)
@env_option(
    "--url-prefix",
    env="CHAMPION_URL_PREFIX",
    default="/",
    show_default=True,
    metavar="PATH",
    help="Serve everything under this path (e.g. /champion): pages, callbacks, assets, login, "
    "logout and PATH/health. Behind a reverse proxy that forwards PATH unchanged, or strips it "
    "and sends X-Forwarded-Prefix (with --proxy-fix).",
)
@click.option(
    "--session-idle-hours",
    type=click.FloatRange(min=0, min_open=True),
    default=8.0,
    show_default=True,
    help="A login ends after this many hours without a request.",
)
@click.option(
    "--session-max-days",
    type=click.FloatRange(min=0, min_open=True),
    default=7.0,
    show_default=True,
    help="A login ends this many days after it started, whatever happens.",
)
@click.option(
    "--auth",
    "auth_mode",
    type=click.Choice(["file", "mlflow"]),
    default="file",
    show_default=True,
    help="Who logs in: 'file', the users of --users (read-only for everyone without it); "
    "'mlflow', the tracking server's own accounts (its basic-auth app), every request made "
    "with the user's credentials so MLflow's permissions decide who may move an alias.",
)
@click.option("--dev", is_flag=True, help="Dash development server with hot reload (loopback).")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Log what each worker scores, computes or reads from the cache.",
)
def serve(
    model_name: str,
    data: DataOptions,
    scoring: ScoringOptions,
    n_boot: int,
    max_request_bytes: int,
    host: str,
    port: int,
    workers: int,
    lang: str,
    mlflow_ui: str | None,
    users_file: Path | None,
    trusted_origins: tuple[str, ...],
    secure_cookies: bool,
    proxy_fix: int,
    url_prefix: str,
    session_idle_hours: float,
    session_max_days: float,
    auth_mode: str,
    dev: bool,
    verbose: bool,
    engine: EngineOptions,
) -> None:
    """Serve the dashboard comparing the versions of a registered model on a test set, with
    gunicorn (debug off). --dev uses Dash's development server and only on a loopback host.
    Read-only unless --users names the users who may log in; operators may promote and roll
    back. Workers share scores and results through the cache folder.

    With --engine spark the test set is a Parquet folder or file (or a Delta table) read by
    Spark, the versions are scored on the cluster and the pages read aggregates computed there;
    each worker starts its own Spark session. Binary classifiers only (see docs/spark.md)."""
    from champion.dashboard.auth import UserStore
    from champion.dashboard.backend import DashboardBackend
    from champion.dashboard.server import (
        check_sessions_shared,
        serve_development,
        serve_production,
        show_audit_log,
    )
    from champion.dashboard.testset import publish_test_set

    if not data.source:
        kinds = "Parquet, or a Delta table" if engine.spark else "CSV or Parquet"
        raise DataError(f"give the test set with --data PATH|URI ({kinds}).")
    config = DashboardConfig(
        tracking_uri=require_tracking_uri(scoring.tracking_uri),
        model_name=model_name,
        data_source=data.source,
        recipe=data.recipe,
        target=data.target,
        pos_label=data.pos_label,
        features=data.features,
        max_bytes=data.max_bytes,
        max_rows=data.max_rows,
        cache_dir=scoring.cache_dir,
        shared_cache=scoring.shared_cache,
        lang=lang,
        n_boot=n_boot,
        max_request_bytes=max_request_bytes,
        trust_types=scoring.trust_types,
        allow_pickle=scoring.allow_pickle,
        allowed_sources=scoring.allowed_sources,
        timeout=scoring.timeout,
        mlflow_ui=mlflow_ui,
        users_file=users_file,
        verbose=verbose,
        trusted_origins=trusted_origins,
        secure_cookies=secure_cookies,
        proxy_fix=proxy_fix,
        url_prefix=url_prefix,
        session_idle_hours=session_idle_hours,
        session_max_days=session_max_days,
        mlflow_logins=auth_mode == "mlflow",
        engine=engine,
    )
    if users_file:
        UserStore.load(users_file)  # a bad users file fails here, not in each worker
    if (users_file or config.mlflow_logins) and not dev:
        check_sessions_shared(config, workers)
    show_audit_log(config.verbose)
    if config.spark:  # what can be checked before Spark starts (each worker starts its own)
        from champion.dashboard.spark_backend import SparkDashboardBackend

        checked: DashboardBackend = SparkDashboardBackend(config)
    else:
        checked = DashboardBackend(config)  # a bad test set fails here, clearly
    check_registry(checked, logins_decide=config.mlflow_logins)
    if not dev and not config.spark:  # loaded once for the host: the workers map this copy
        config = publish_test_set(config, checked.dataset)
    del checked
    if config.spark and not dev and workers > 1:
        click.echo(
            f"note: each of the {workers} workers starts its own Spark session "
            f"({engine.remote or engine.master}); --workers 1 starts one."
        )
    click.echo(f"champion dashboard on http://{host}:{port}{config.url_prefix}")
    if dev:
        serve_development(config, host, port)
    else:
        serve_production(config, host, port, workers)


def check_registry(backend: Any, logins_decide: bool = False) -> None:
    """Read the registered model once before serving: a wrong name or refused credentials
    stop here (exit 2); a tracking server that is down or failing does not, since under an
    orchestrator that would be a crash loop: the dashboard starts, every page says what is
    wrong, and it recovers by itself when the server is back. With logins_decide (MLflow's
    accounts log in), a server that wants credentials is expected: each user brings theirs."""
    from champion.models import RegistryAuthError, RegistryServerError, RegistryUnreachable

    try:
        backend.model()
    except RegistryAuthError:
        if not logins_decide:
            raise
    except (RegistryUnreachable, RegistryServerError) as err:
        click.echo(f"warning: {err} The dashboard starts anyway and recovers when it returns.")


@click.command(short_help="Run an offline demo (Titanic or penguins): store, versions, dashboard.")
@click.option(
    "--dataset",
    "dataset",
    type=click.Choice(DEMO_DATASETS),
    default=DEMO_DATASETS[0],
    show_default=True,
    help="titanic: survival, two classes; penguins: palmerpenguins' three species (multiclass).",
)
@click.option(
    "--workdir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the demo's MLflow store, data and score cache (reused when run again) "
    "[default: champion-demo, or champion-demo-penguins with --dataset penguins].",
)
@click.option(
    "--data", "data", metavar="PATH|URL", help="The Kaggle Titanic CSV instead (titanic only)."
)
@click.option("--port", default=8050, show_default=True, help="Port to listen on (127.0.0.1).")
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default="en",
    show_default=True,
    help="Language the pages open in (the toggle on the page switches it).",
)
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--no-serve", is_flag=True, help="Prepare the store and cache, then stop.")
@users_option
def demo(
    dataset: str,
    workdir: Path | None,
    data: str | None,
    port: int,
    lang: str,
    no_browser: bool,
    no_serve: bool,
    users_file: Path | None,
) -> None:
    """Create (or reuse) a local MLflow store in --workdir with data shipped by a package, three
    registered versions of a classifier (initial, new, forest) with @champion on version 1 and
    @challenger on version 2, score them into the cache, and serve the dashboard on 127.0.0.1
    (read-only unless --users names who may log in).

    --dataset titanic (default, in ./champion-demo): R's Titanic passengers (or --data, the
    seed's Kaggle CSV), titanic-survival (logistic regression, gradient boosting, random forest).
    --dataset penguins (in ./champion-demo-penguins): palmerpenguins' three species, a
    multiclass test set, penguin-species (logistic regression on body size only, gradient
    boosting, random forest). A work folder holds one demo: the other one is refused."""
    from champion.dashboard.auth import UserStore
    from champion.dashboard.server import serve_production
    from champion.demo import prepare_demo

    if users_file:
        UserStore.load(users_file)  # before the half-minute of preparing the store
    setup = prepare_demo(
        workdir, data, dataset=dataset, progress=lambda line: click.echo(line, err=True)
    )
    config = DashboardConfig(
        tracking_uri=setup.tracking_uri,
        model_name=setup.model_name,
        data_source=setup.data_source,
        recipe=setup.recipe,
        cache_dir=setup.cache_dir,
        lang=lang,
        users_file=users_file,
    )
    url = f"http://127.0.0.1:{port}"
    versions = ", ".join(f"{kind} {version}" for kind, version in setup.versions.items())
    click.echo(f"demo store ready in {setup.workdir} ({setup.seconds:.0f} s)")
    click.echo(f"{setup.demo} demo: {setup.model_name} versions {versions}")
    click.echo(f"test set: {setup.data_source} (recipe {setup.recipe})")
    if no_serve:
        return
    click.echo(f"champion dashboard on {url}  (Ctrl-C to stop)")
    if not no_browser:
        webbrowser.open(url)
    serve_production(config, "127.0.0.1", port, workers=1)
