"""What a dashboard serves: one registered model's versions on one test set."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from champion.engine_options import EngineOptions
from champion.errors import ChampionError, redact

_DEFAULT_PORTS = {"http": 80, "https": 443}


def web_origin(url: str) -> str | None:
    """The origin of an http(s) URL, "scheme://host[:port]" in lower case without a default
    port (what browsers send in the Origin header); None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"{scheme}://{host}" + ("" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}")


def trusted_origin(url: str) -> str:
    """url as an origin to trust for writes (see web_origin); a ChampionError unless it is an
    http(s) address without a path, query or credentials."""
    origin = web_origin(url)
    parts = urlsplit(url.strip())
    if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ChampionError(
            f"--trusted-origin {url!r} is not an origin: give scheme, host and port only, "
            "e.g. https://dashboard.example.com or http://10.0.0.5:8050."
        )
    return origin


# a path segment of --url-prefix: letters, digits and - _ . ~ (nothing a URL would have to encode)
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9_.~-]+")


def url_prefix(value: str) -> str:
    """value as the path the dashboard is served under: "/", or "/a/b/" (a leading and a
    trailing "/" added when missing); a ChampionError naming --url-prefix for anything else
    (empty segments, "." or "..", characters a URL would have to encode, a scheme or host)."""
    text = value.strip()
    segments = text.strip("/").split("/") if text.strip("/") else []
    for segment in segments:
        if segment in (".", "..") or not _PREFIX_SEGMENT.fullmatch(segment):
            raise ChampionError(
                f"--url-prefix {value!r} (CHAMPION_URL_PREFIX) is not a path to serve under: "
                "give path segments of letters, digits, '-', '_', '.' or '~' separated by "
                "single '/', e.g. /champion or /ml/champion (the default / serves at the root)."
            )
    return "/" + "".join(f"{segment}/" for segment in segments)


@dataclass(frozen=True)
class DashboardConfig:
    """tracking_uri: the MLflow store or server; model_name: the registered model whose versions
    are compared; data_source, recipe, target, pos_label, features: the test set (as for
    ``champion.data.load_dataset``); cache_dir: the score cache (None: the default);
    shared_cache: an object-store prefix (s3://...) whose scores and results several hosts
    share, beside cache_dir (see ``champion.object_cache``); lang: "en"
    or "ja"; n_boot: bootstrap resamples behind the intervals; trust_types, allow_pickle,
    timeout: the model loading policy for versions not yet scored; inline_budget: the largest
    rows x (n_boot + 1) of a paired comparison computed while a page waits (larger ones run in
    the background); mlflow_ui: the MLflow UI's address for run links; users_file: the users
    and roles allowed to log in (None: no logins, read-only for everyone); mlflow_logins: log
    in with the MLflow server's own accounts instead, each user's requests made with their
    credentials (``--auth mlflow``); secret_key: signs the
    session cookies (None: $CHAMPION_SECRET_KEY, else a random key per process); verbose: log
    what each worker scores, computes or reads from the cache; trusted_origins: origins besides
    the server's own host from which POSTs are accepted (a reverse proxy's public address);
    secure_cookies: mark the session cookie Secure (served through HTTPS); proxy_fix: trusted
    reverse-proxy hops whose X-Forwarded-* headers are believed (0: none); session_idle_hours,
    session_max_days: a login ends after this long without a request, and this long after it
    started whatever happens; url_prefix: the path everything is served under ("/champion/":
    pages, callbacks, assets, /login, /logout, /health and the session cookie; "/" the root),
    normalised by ``url_prefix``; dataset_file: the test set as ``champion serve`` loaded and
    published it once for the host (an Arrow file in the cache, see ``champion.data.shared``),
    which every worker maps instead of loading the source again (None: load data_source);
    engine: where the test set is read and the versions scored (``--engine``, the Spark
    options): "memory", this process, or "spark", a Spark session each worker starts (see
    ``champion.dashboard.spark_backend``)."""

    tracking_uri: str
    model_name: str
    data_source: str
    recipe: str | None = None
    target: str | None = None
    pos_label: str = "1"
    features: tuple[str, ...] | None = None
    cache_dir: Path | None = None
    shared_cache: str | None = None
    lang: str = "en"
    n_boot: int = 1000
    trust_types: tuple[str, ...] = ()
    allow_pickle: bool = False
    timeout: float = 600.0
    inline_budget: int = 5_000_000
    max_request_bytes: int = 1_000_000  # larger request bodies are refused (413) unread
    allowed_sources: tuple[str, ...] = ()  # artifact location prefixes models may come from
    max_bytes: int = 2_000_000_000  # largest test set file (or download) read
    max_rows: int = 20_000_000  # most test set rows read
    mlflow_ui: str | None = None
    users_file: Path | None = None
    mlflow_logins: bool = False  # log in with the tracking server's accounts (--auth mlflow)
    verbose: bool = False
    trusted_origins: tuple[str, ...] = ()
    secure_cookies: bool = False
    proxy_fix: int = 0
    session_idle_hours: float = 8.0
    session_max_days: float = 7.0
    dataset_file: Path | None = None  # the test set as serve published it, mapped by workers
    url_prefix: str = "/"  # the path everything is served under (--url-prefix)
    engine: EngineOptions = field(default_factory=EngineOptions)  # --engine, the Spark options
    secret_key: str | None = field(default=None, repr=False)  # never printed in logs or errors

    def __post_init__(self) -> None:
        origins = tuple(trusted_origin(url) for url in self.trusted_origins)
        object.__setattr__(self, "trusted_origins", origins)
        object.__setattr__(self, "url_prefix", url_prefix(self.url_prefix))
        if self.mlflow_logins and self.users_file is not None:
            raise ChampionError(
                "--auth mlflow and --users are two ways to log in: pick one (MLflow's accounts, "
                "or the users file)."
            )
        if self.proxy_fix < 0:
            raise ChampionError(f"--proxy-fix {self.proxy_fix}: give 0 or more proxy hops.")
        if not (self.session_idle_hours > 0 and self.session_max_days > 0):
            raise ChampionError("session lifetimes must be positive.")

    def __repr__(self) -> str:
        """The settings as a log line would show them: URI credentials redacted, the session
        key left out."""
        shown = [
            f"{f.name}={redact(repr(_shown(f.name, getattr(self, f.name))))}"
            for f in fields(self)
            if f.repr
        ]
        return f"DashboardConfig({', '.join(shown)})"

    @property
    def spark(self) -> bool:
        """Whether the test set is read and the versions scored by Spark (--engine spark)."""
        return self.engine.spark

    @property
    def ui_url(self) -> str | None:
        """Where the MLflow UI of the registry is: mlflow_ui, else the tracking URI when it is a
        server (a sqlite store has no UI of its own)."""
        chosen = self.mlflow_ui or (
            self.tracking_uri if self.tracking_uri.startswith(("http://", "https://")) else None
        )
        return chosen.rstrip("/") if chosen else None


def _shown(name: str, value: Any) -> Any:
    """A setting as a log line shows it: the Spark settings' values left out (one may be a
    credential, e.g. spark.hadoop.fs.s3a.secret.key)."""
    if name == "engine" and isinstance(value, EngineOptions) and value.conf:
        return dataclasses.replace(value, conf=tuple((key, "***") for key, _ in value.conf))
    return value
