"""What a dashboard serving a Spark-scored test set (``champion serve --engine spark``) does not
offer yet, said where it would be: a notice naming what to use instead, in the page's language."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output

from champion.dashboard import ids
from champion.dashboard.context import backend
from champion.presentation import t

#: the notices there are (i18n keys); a page's id naming anything else gets no text
NOTES = ("ui.spark_no_slices",)


def note(key: str) -> dbc.Alert:
    """The notice of key, in the server's language until the page's own is known."""
    return dbc.Alert(t(key, backend().config.lang), id=ids.spark_note(key), color="info")


def translate(lang: str | None) -> list[str]:
    """Every notice on the page in lang."""
    outputs: Any = dash.ctx.outputs_list
    keys = [str(output["id"].get("key")) for output in outputs]
    return [t(key, lang or "en") if key in NOTES else "" for key in keys]


def register(app: dash.Dash) -> None:
    """Attach the notices' callback to app."""
    app.callback(Output(ids.spark_notes(), "children"), Input(ids.LANG_STORE, "data"))(translate)
