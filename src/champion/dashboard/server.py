"""Serving the dashboard: gunicorn in production, Dash's own server only for local development."""

from __future__ import annotations

import ipaddress
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


def serve_production(config: DashboardConfig, host: str, port: int, workers: int) -> None:
    """Run the dashboard under gunicorn (debug off, several worker processes)."""
    from gunicorn.app.base import BaseApplication

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

    create_app(config).run(host=host, port=port, debug=False, dev_tools_hot_reload=True)
