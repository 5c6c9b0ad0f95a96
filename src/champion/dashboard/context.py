"""How callbacks reach the process's backend and operations: they hang on the Flask app, not
in globals."""

from __future__ import annotations

import flask

from champion.dashboard.backend import DashboardBackend
from champion.dashboard.operations import Operations

BACKEND_KEY = "champion.backend"
OPERATIONS_KEY = "champion.operations"


def backend() -> DashboardBackend:
    found: DashboardBackend = flask.current_app.config[BACKEND_KEY]
    return found


def operations() -> Operations:
    """Promote, roll back and history of the dashboard's model (a registry writer client)."""
    found: Operations = flask.current_app.config[OPERATIONS_KEY]
    return found
