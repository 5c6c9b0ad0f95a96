"""The Dash application factory."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import dash

from champion.dashboard import auth, limits, report_download, security, shell, spark_notes
from champion.dashboard import multiclass as mc
from champion.dashboard.backend import DashboardBackend
from champion.dashboard.config import DashboardConfig
from champion.dashboard.context import BACKEND_KEY, OPERATIONS_KEY
from champion.dashboard.operations import Operations
from champion.dashboard.pages import (
    curves,
    disagreements,
    mc_classes,
    mc_curves,
    mc_decision,
    mc_overview,
    overview,
    registry,
    slices,
    threshold,
)
from champion.dashboard.shell import BINARY, MULTICLASS
from champion.presentation.i18n import t

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# every page: its path, the i18n key of its name, and its module for a test set of two classes
# and for one of three or more (None: the page is not shown for that kind); the navigation is
# built from Dash's page registry, which these fill
PAGES: tuple[tuple[str, str, Any, Any], ...] = (
    ("/", "ui.overview", overview, mc_overview),
    ("/curves", "ui.curves", curves, mc_curves),
    ("/threshold", "ui.threshold", threshold, None),
    ("/decision", "ui.decision", None, mc_decision),
    ("/classes", "ui.classes", None, mc_classes),
    ("/slices", "ui.slices", slices, slices),
    ("/disagreements", "ui.disagreements", disagreements, disagreements),
    ("/registry", "ui.registry", registry, registry),
)


def page_layout(binary: Any, multiclass: Any) -> Callable[..., Any]:
    """The layout of a page for the served test set's kind (pages are registered once per
    process, for every app): the module of that kind, else a note naming the page to use."""

    def layout(**query: str) -> Any:
        from dash import html

        from champion.dashboard.context import backend

        kind = multiclass if mc.is_multiclass(backend()) else binary
        if kind is not None:
            return kind.layout(**query)
        key = "ui.not_for_binary" if binary is None else "ui.not_for_multiclass"
        return html.P(t(key, backend().config.lang), className="lead pt-3", id="page-not-for-kind")

    return layout


def logins(config: DashboardConfig) -> tuple[auth.Logins | None, str | None]:
    """Who may log in (the users file, MLflow's accounts, or nobody) and the session key.

    MLflow's accounts route every MLflow request of this process through the user's own
    credentials, so this runs before any registry client is made."""
    if config.users_file:
        return auth.UserStore.load(config.users_file), config.secret_key
    if not config.mlflow_logins:
        return None, config.secret_key
    from champion.cache import default_cache_dir
    from champion.dashboard.mlflow_logins import MlflowLogins
    from champion.models import user_auth

    user_auth.use_user_credentials()
    secret = security.session_key(config.secret_key)  # also encrypts the stored logins
    folder = (config.cache_dir or default_cache_dir()) / "logins"
    return MlflowLogins(config.tracking_uri, folder, secret), secret


class ServedUnder:
    """WSGI middleware serving an app under prefix ("/champion/"): a request for
    /champion/<path> reaches the app as <path> with SCRIPT_NAME /champion, so Flask's routes
    stay where they are and every URL Flask builds (redirects, url_for) carries the prefix.

    Works behind a reverse proxy that forwards /champion/... unchanged, and behind one that
    strips the prefix and says so in X-Forwarded-Prefix (werkzeug's ProxyFix, outside this
    middleware, then sets SCRIPT_NAME). /champion answers a redirect to /champion/; /health
    also answers at the root (a load balancer probing the server itself); anything else
    outside the prefix is 404."""

    def __init__(self, app: WSGIApplication, prefix: str) -> None:
        self.app = app
        self.root = prefix.rstrip("/")  # "/champion"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        script = environ.get("SCRIPT_NAME", "").rstrip("/")
        path = environ.get("PATH_INFO", "") or "/"
        inside = path == self.root or path.startswith(self.root + "/")
        if script == self.root and not inside:  # a proxy stripped the prefix (and said so)
            return self.app(environ, start_response)
        if script in ("", self.root) and inside:  # forwarded unchanged (maybe also said so)
            rest = path[len(self.root) :]
            if not rest:
                query = environ.get("QUERY_STRING", "")
                target = self.root + "/" + (f"?{query}" if query else "")
                return self._answer(start_response, "308 Permanent Redirect", target)
            environ["SCRIPT_NAME"], environ["PATH_INFO"] = self.root, rest
            return self.app(environ, start_response)
        if script == "" and path == "/health":
            return self.app(environ, start_response)
        return self._answer(start_response, "404 Not Found")

    def _answer(
        self, start_response: StartResponse, status: str, location: str | None = None
    ) -> Iterable[bytes]:
        text = f"moved to {location}" if location else f"served under {self.root}/ only"
        body = f"{status[4:].lower()}: {text}\n".encode()
        headers = [("Content-Type", "text/plain; charset=utf-8")]
        headers += [("Content-Length", str(len(body))), *security.STATIC_HEADERS.items()]
        if location is not None:
            headers.append(("Location", location))
        start_response(status, headers)
        return [body]


def new_backend(config: DashboardConfig) -> DashboardBackend:
    """The process's backend for config's engine: the test set in memory, or read and scored
    by Spark (``--engine spark``, see ``spark_backend``)."""
    if config.spark:
        from champion.dashboard.spark_backend import SparkDashboardBackend

        return SparkDashboardBackend(config)
    return DashboardBackend(config)


def create_app(config: DashboardConfig, backend: DashboardBackend | None = None) -> dash.Dash:
    """A Dash app serving config's registered model on config's test set.

    The backend (registry, test set, score cache) is created here, once per process, and kept on
    the Flask app for the callbacks; a bad test set or an unreachable registry fails here with
    champion's clear error rather than on the first page view. With config.users_file, every
    route but the login page, assets and /health needs a login and writes need an operator;
    with config.mlflow_logins, users log in with their MLflow accounts and every request is made
    with their credentials; without either the dashboard is read-only. Everything is served
    under config.url_prefix (see ServedUnder). Every response carries the security headers.
    """
    # a bad users file fails before the (slower) backend is built
    users, secret = logins(config)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        # Bootstrap's stylesheet is served from the package's assets folder: no CDN, works offline
        title=t("title", config.lang),
        suppress_callback_exceptions=True,
        # the browser asks for pages, callbacks and assets under the prefix; Flask's routes
        # stay at the root of the app, mounted under the prefix by ServedUnder
        requests_pathname_prefix=config.url_prefix,
        routes_pathname_prefix="/",
    )
    if config.url_prefix != "/":  # inside ProxyFix (auth.install wraps it around this)
        app.server.wsgi_app = ServedUnder(app.server.wsgi_app, config.url_prefix)
    app.server.config[security.LANG_KEY] = config.lang
    served = backend or new_backend(config)
    served.warm_all()  # reports and curve figures of scored versions, in the background
    app.server.config[BACKEND_KEY] = served
    app.server.config[OPERATIONS_KEY] = Operations(
        config.tracking_uri,
        config.model_name,
        gate=served.gate,
        moved=lambda: served.model(fresh=True),
    )
    for order, (path, key, binary, multiclass) in enumerate(PAGES):
        dash.register_page(  # type: ignore[no-untyped-call]
            (binary or multiclass).__name__,
            path=path,
            name=t(key, "en"),
            order=order,
            layout=page_layout(binary, multiclass),
            text_key=key,  # the navigation shows t(text_key, lang)
            modes=tuple(m for m, k in ((BINARY, binary), (MULTICLASS, multiclass)) if k),
        )
    mode = MULTICLASS if mc.is_multiclass(served) else BINARY
    app.layout = shell.layout(config.lang, mode)
    shell.register(app, mode)
    report_download.register(app)
    spark_notes.register(app)
    modules = {id(m): m for _, _, *kinds in PAGES for m in kinds if m is not None}
    for module in modules.values():
        module.register(app)
    auth.install(app, users, secret_key=secret)
    limits.limit_requests(app, config.max_request_bytes)  # after install: it goes first
    security.harden(app)
    return app
