"""How callbacks reach the process's backend: it hangs on the Flask app, not in a global."""

from __future__ import annotations

import flask

from champion.dashboard.backend import DashboardBackend

BACKEND_KEY = "champion.backend"


def backend() -> DashboardBackend:
    found: DashboardBackend = flask.current_app.config[BACKEND_KEY]
    return found
