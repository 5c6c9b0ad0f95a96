"""Guards that held when tried by hand, kept by tests: the development server stays on loopback,
no HTML from the registry or the browser is ever rendered, forged stores name no other model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import champion.dashboard
from champion.dashboard.backend import DashboardBackend
from champion.dashboard.components import data_table
from champion.dashboard.config import DashboardConfig
from champion.dashboard.server import serve_development
from champion.errors import ChampionError
from champion.models.refs import ModelVersionRef, RegisteredModelInfo
from champion.presentation.table_views import run_cell, versions_view

EVIL = "javascript:alert(document.cookie)"


@pytest.fixture
def config(tmp_path: Path) -> DashboardConfig:
    data = tmp_path / "test.csv"
    data.write_text("x,label\n0.1,0\n0.9,1\n")
    return DashboardConfig(
        tracking_uri="sqlite:///x.db", model_name="m", data_source=str(data), target="label"
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.org", "::"])
def test_the_development_server_is_refused_off_loopback(config: DashboardConfig, host: str) -> None:
    with pytest.raises(ChampionError, match="must not face a network"):
        serve_development(config, host, 8050)


def test_no_component_renders_raw_html() -> None:
    package = Path(champion.dashboard.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "dangerously_allow_html" not in text, path
        assert "dangerouslySetInnerHTML" not in text, path


def links(component: Any) -> list[str]:
    """Every href in a component tree."""
    found = [component.href] if getattr(component, "href", None) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += links(child)
    return found


def test_registry_text_and_links_are_inert() -> None:
    created = datetime(2026, 12, 1, tzinfo=UTC)
    version = ModelVersionRef(
        "m", "1", (), created, "abc", None, "src", f"<a href='{EVIL}'>x</a>", False, {"t": EVIL}
    )
    model = RegisteredModelInfo("m", None, {}, {}, (version,))
    drawn = data_table(versions_view(model, "en", ui=EVIL), "t")
    assert links(drawn) == []  # the description is a text child; a javascript: UI is no link
    assert f"<a href='{EVIL}'>x</a>" in str(drawn)  # shown as the text it is
    assert run_cell("abc", EVIL, "en").link is None
    assert (
        run_cell("abc", "https://mlflow.example", "en").link == "https://mlflow.example/#/runs/abc"
    )


@pytest.mark.parametrize("forged", ["1@champion", "../other/1", "other/1", "-1", "0", "1 ", "٣"])
def test_a_forged_version_names_no_other_model(config: DashboardConfig, forged: str) -> None:
    workspace = SimpleNamespace(jobs=lambda dataset: [])
    backend = DashboardBackend(config, workspace=workspace)  # type: ignore[arg-type]
    with pytest.raises(ChampionError, match="not a version number"):
        backend.key(forged)
    assert backend.key("03").uri == "models:/m/3"
    assert backend.activity([forged]) == []
