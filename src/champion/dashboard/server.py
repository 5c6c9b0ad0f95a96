"""Serving the dashboard: gunicorn in production, Dash's own server only for local development."""

from __future__ import annotations

import ipaddress
import logging
import sys
from typing import Any

from champion.dashboard.config import DashboardConfig
from champion.errors import ChampionError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_sessions_shared(config: DashboardConfig, workers: int) -> None:
    """Refuse several workers with logins but no shared session key: each worker would sign
    sessions with its own random key and refuse the logins of the others."""
    from champion.dashboard.security import SECRET_KEY_ENV, secret_key_from

    logins = config.users_file or config.mlflow_logins
    if logins and workers > 1 and secret_key_from(config.secret_key) is None:
        option = "--users" if config.users_file else "--auth mlflow"
        raise ChampionError(
            f"{option} with --workers {workers} needs a session key shared by the workers: set "
            f'{SECRET_KEY_ENV} (e.g. export {SECRET_KEY_ENV}=$(python -c "import secrets; '
            f'print(secrets.token_hex(32))")), or serve with --workers 1.'
        )


def show_audit_log(verbose: bool = False) -> None:
    """Print the ``champion.audit`` lines (logins, allowed and refused writes), and with verbose
    the ``champion.workspace`` and ``champion.dashboard`` lines (the test set loaded or mapped,
    what is scored, computed or read from the cache), on
    stderr next to gunicorn's access log, unless logging is configured already. Set before the
    workers fork, so each inherits it."""
    names = ["champion.audit", *(["champion.workspace", "champion.dashboard"] if verbose else [])]
    for name in names:
        logger = logging.getLogger(name)
        if not logger.handlers and not logging.getLogger().handlers:
            handler = logging.StreamHandler(sys.stderr)
            formatter = logging.Formatter("%(asctime)s [%(process)d] %(name)s %(message)s")
            handler.setFormatter(formatter)
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)


def serve_production(config: DashboardConfig, host: str, port: int, workers: int) -> None:
    """Run the dashboard under gunicorn (debug off, several worker processes)."""
    from gunicorn.app.base import BaseApplication

    check_sessions_shared(config, workers)
    show_audit_log(config.verbose)

    from champion.dashboard.app import create_app

    class DashboardServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "timeout": 120,
                "accesslog": "-",
                "preload_app": False,  # each worker builds its own backend after the fork
            }
            # no control socket in the user's home (~/.gunicorn): nothing is managed through it
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25
                settings["control_socket_disable"] = True
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(config).server

    DashboardServer().run()


def serve_development(config: DashboardConfig, host: str, port: int) -> None:
    """Dash's development server with hot reload: loopback only (it must not face a network)."""
    if not is_loopback(host):
        raise ChampionError(
            f"--dev serves with Dash's development server, which must not face a network: "
            f"it is refused on {host}. Use 127.0.0.1, or drop --dev to serve with gunicorn."
        )
    from champion.dashboard.app import create_app

    show_audit_log()
    create_app(config).run(host=host, port=port, debug=False, dev_tools_hot_reload=True)
