"""What a dashboard serves: one registered model's versions on one test set."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class DashboardConfig:
    """tracking_uri: the MLflow store or server; model_name: the registered model whose versions
    are compared; data_source, recipe, target, pos_label, features: the test set (as for
    ``champion.data.load_dataset``); cache_dir: the score cache (None: the default); lang: "en"
    or "ja"; n_boot: bootstrap resamples behind the intervals; trust_types, allow_pickle,
    timeout: the model loading policy for versions not yet scored; inline_budget: the largest
    rows x (n_boot + 1) of a paired comparison computed while a page waits (larger ones run in
    the background); mlflow_ui: the MLflow UI's address for run links; users_file: the users
    and roles allowed to log in (None: no logins, read-only for everyone); secret_key: signs the
    session cookies (None: $CHAMPION_SECRET_KEY, else a random key per process); verbose: log
    what each worker scores, computes or reads from the cache."""

    tracking_uri: str
    model_name: str
    data_source: str
    recipe: str | None = None
    target: str | None = None
    pos_label: str = "1"
    features: tuple[str, ...] | None = None
    cache_dir: Path | None = None
    lang: str = "en"
    n_boot: int = 1000
    trust_types: tuple[str, ...] = ()
    allow_pickle: bool = False
    timeout: float = 600.0
    inline_budget: int = 5_000_000
    max_request_bytes: int = 1_000_000  # larger request bodies are refused (413) unread
    mlflow_ui: str | None = None
    users_file: Path | None = None
    verbose: bool = False
    secret_key: str | None = field(default=None, repr=False)  # never printed in logs or errors

    @property
    def ui_url(self) -> str | None:
        """Where the MLflow UI of the registry is: mlflow_ui, else the tracking URI when it is a
        server (a sqlite store has no UI of its own)."""
        chosen = self.mlflow_ui or (
            self.tracking_uri if self.tracking_uri.startswith(("http://", "https://")) else None
        )
        return chosen.rstrip("/") if chosen else None
