"""Promote and Roll back from the Registry page, over HTTP with real logins, on a copy of the
demo store: operators move @champion (compare-and-set, history), viewers and forged requests
change nothing."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from mlflow import MlflowClient

from champion.actions import promote
from champion.dashboard import ids
from champion.dashboard.app import create_app
from champion.dashboard.auth import add_user
from champion.dashboard.config import DashboardConfig
from champion.dashboard.operations import InvalidAction, Operations, Preview, check_action
from champion.demo import DemoSetup
from champion.models import MlflowRegistryWriter

from .test_dashboard_auth import dash_client, log_in

OPERATOR = ("olive", "olive-operator-pw")
VIEWER = ("victor", "victor-viewer-pw")


@pytest.fixture
def store(demo_setup: DemoSetup, tmp_path: Path) -> str:
    """A copy of the demo's registry (the artifacts stay where they are: read only)."""
    source = Path(demo_setup.tracking_uri.removeprefix("sqlite:///"))
    copy = tmp_path / "mlflow.db"
    shutil.copy(source, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(config: DashboardConfig, store: str, tmp_path: Path) -> dash.Dash:
    users = tmp_path / "users.json"
    add_user(users, *OPERATOR, role="operator")
    add_user(users, *VIEWER, role="viewer")
    settings = dataclasses.replace(
        config, tracking_uri=store, users_file=users, secret_key="test-key-" + "x" * 32
    )
    return create_app(settings)


def champion_of(store: str, name: str) -> str | None:
    version = MlflowClient(tracking_uri=store).get_registered_model(name).aliases.get("champion")
    return None if version is None else str(version)


def response(status_body: tuple[int, bytes]) -> dict[str, Any]:
    status, body = status_body
    assert status == 200, body[:500]
    found: dict[str, Any] = json.loads(body)["response"]
    return found


def refresh(client: FlaskClient) -> dict[str, Any]:
    return response(
        dash_client(client).call(
            f"{ids.CHAMPION_STATUS}.children",
            {f"{ids.TREND_METRIC}.value": "roc_auc", f"{ids.REGISTRY_REFRESH}.data": 0},
            [f"{ids.REGISTRY_REFRESH}.data"],
        )
    )


def open_dialog(client: FlaskClient, button: str, version: str | None) -> dict[str, Any]:
    return response(
        dash_client(client).call(
            f"{ids.ACTION_STORE}.data",
            {f"{button}.n_clicks": 1, f"{ids.PROMOTE_VERSION}.value": version},
            [f"{button}.n_clicks"],
        )
    )


def confirm(
    client: FlaskClient, store: dict[str, Any], reason: str, typed: str, force: bool = False
) -> dict[str, Any]:
    return response(
        dash_client(client).call(
            f"{ids.REGISTRY_REFRESH}.data",
            {
                f"{ids.ACTION_CONFIRM}.n_clicks": 1,
                f"{ids.ACTION_STORE}.data": store,
                f"{ids.ACTION_REASON}.value": reason,
                f"{ids.ACTION_TYPED}.value": typed,
                f"{ids.ACTION_FORCE}.value": force,
                f"{ids.REGISTRY_REFRESH}.data": 0,
            },
            [f"{ids.ACTION_CONFIRM}.n_clicks"],
        )
    )


def test_an_operator_promotes_sees_the_history_and_rolls_back(
    app: dash.Dash, store: str, demo_setup: DemoSetup
) -> None:
    name = demo_setup.model_name
    client = app.server.test_client()
    log_in(client, *OPERATOR)
    shown = refresh(client)
    assert shown[ids.CHAMPION_STATUS]["children"] == "@champion -> version 1"
    assert ids.PROMOTE_OPEN in json.dumps(shown[ids.ACTIONS_PANEL])

    dialog = open_dialog(client, ids.PROMOTE_OPEN, "2")
    assert dialog[ids.ACTION_MODAL]["is_open"] is True
    plan = dialog[ids.ACTION_STORE]["data"]
    assert plan == {"action": "promote", "version": "2", "expected": "1"}
    assert "Gate" in json.dumps(dialog[ids.ACTION_SUMMARY])  # the verdict with its rules

    # the version typed again must match, and nothing moves until it does
    wrong = confirm(client, plan, "better recall on the 2026 data", typed="3")
    assert "Type 2 to confirm" in json.dumps(wrong)
    assert champion_of(store, name) == "1"

    done = confirm(client, plan, "better recall on the 2026 data", typed="2", force=True)
    assert champion_of(store, name) == "2"
    assert "version 2" in json.dumps(done[ids.ACTION_RESULT])
    shown = refresh(client)
    assert shown[ids.CHAMPION_STATUS]["children"] == "@champion -> version 2"
    timeline = json.dumps(shown[ids.HISTORY_TIMELINE])
    assert "better recall on the 2026 data" in timeline
    assert "olive" in timeline

    back = open_dialog(client, ids.ROLLBACK_OPEN, None)
    plan = back[ids.ACTION_STORE]["data"]
    assert plan == {"action": "rollback", "version": "1", "expected": "2"}
    confirm(client, plan, "recall fell in the canary", typed="1")
    assert champion_of(store, name) == "1"
    assert "recall fell in the canary" in json.dumps(refresh(client)[ids.HISTORY_TIMELINE])


def test_a_champion_moved_meanwhile_is_a_conflict_not_an_overwrite(
    app: dash.Dash, store: str, demo_setup: DemoSetup
) -> None:
    name = demo_setup.model_name
    client = app.server.test_client()
    log_in(client, *OPERATOR)
    plan = open_dialog(client, ids.PROMOTE_OPEN, "2")[ids.ACTION_STORE]["data"]
    # another operator (the CLI, another worker) moves @champion between dialog and confirm
    promote(
        MlflowRegistryWriter(store),
        name,
        "3",
        reason="elsewhere",
        user="someone-else",
        expected="1",
        force=True,
    )
    result = confirm(client, plan, "my promotion", typed="2", force=True)
    assert "champion changed: now version 3" in json.dumps(result[ids.ACTION_RESULT])
    assert champion_of(store, name) == "3"


def test_viewers_see_no_controls_and_their_forged_writes_change_nothing(
    app: dash.Dash, store: str, demo_setup: DemoSetup, caplog: pytest.LogCaptureFixture
) -> None:
    client = app.server.test_client()
    log_in(client, *VIEWER)
    shown = refresh(client)
    assert ids.PROMOTE_OPEN not in json.dumps(shown[ids.ACTIONS_PANEL])
    assert "Read-only" in json.dumps(shown[ids.ACTIONS_PANEL])
    forged = {"action": "promote", "version": "3", "expected": "1"}
    with caplog.at_level(logging.INFO, logger="champion.audit"):
        result = confirm(client, forged, "sneaky", typed="3", force=True)
        dialog = open_dialog(client, ids.PROMOTE_OPEN, "3")
    assert "victor is a viewer, not an operator" in json.dumps(result[ids.ACTION_RESULT])
    assert "not an operator" in json.dumps(dialog[ids.ACTION_RESULT])
    assert champion_of(store, demo_setup.model_name) == "1"
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert len(refusals) == 2
    assert all("victor" in text for text in refusals)


def test_on_a_large_test_set_the_gate_is_computed_in_the_background(
    config: DashboardConfig, store: str, tmp_path: Path
) -> None:
    users = tmp_path / "users-large.json"
    add_user(users, *OPERATOR, role="operator")
    # the versions' scores, but no comparison yet (results are kept in the cache folder)
    cache = tmp_path / "cache-large"
    for folder in ("scores", "checksums"):
        shutil.copytree(Path(str(config.cache_dir)) / folder, cache / folder)
    # inline_budget=0: every paired comparison goes to the background, as at a million rows
    settings = dataclasses.replace(
        config,
        tracking_uri=store,
        users_file=users,
        secret_key="k" * 40,
        inline_budget=0,
        cache_dir=cache,
    )
    app = create_app(settings)
    client = app.server.test_client()
    log_in(client, *OPERATOR)
    first = open_dialog(client, ids.PROMOTE_OPEN, "3")
    assert first[ids.ACTION_MODAL]["is_open"] is False
    assert "computing in the background" in json.dumps(first[ids.ACTION_RESULT])
    backend = app.server.config["champion.backend"]
    deadline = time.monotonic() + 120
    while any(a.running for a in backend.activity(["1", "3"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    second = open_dialog(client, ids.PROMOTE_OPEN, "3")
    assert second[ids.ACTION_MODAL]["is_open"] is True
    assert "version 3 vs version 1" in json.dumps(second[ids.ACTION_SUMMARY])


def promoted_to_2(client: FlaskClient) -> None:
    plan = open_dialog(client, ids.PROMOTE_OPEN, "2")[ids.ACTION_STORE]["data"]
    confirm(client, plan, "set up: version 2 holds @champion", typed="2", force=True)


@pytest.mark.parametrize(
    "forged",
    [
        {"action": "bogus", "version": "1", "expected": "2"},
        {"action": None, "version": "1", "expected": "2"},
        {"action": "rollback", "version": "0", "expected": "2"},
        {"action": "rollback", "version": "-1", "expected": "2"},
        {"action": "promote", "version": "1e0", "expected": "2"},
        {"action": "promote", "version": "../1", "expected": "2"},
        {"action": "rollback", "version": "1", "expected": "two"},
    ],
)
def test_a_forged_dialog_store_is_refused_and_moves_nothing(
    app: dash.Dash,
    store: str,
    demo_setup: DemoSetup,
    caplog: pytest.LogCaptureFixture,
    forged: dict[str, Any],
) -> None:
    client = app.server.test_client()
    log_in(client, *OPERATOR)
    promoted_to_2(client)
    assert champion_of(store, demo_setup.model_name) == "2"
    with caplog.at_level(logging.INFO, logger="champion.audit"):
        result = confirm(client, forged, "forged", typed=str(forged["version"]), force=True)
    shown = json.dumps(result[ids.ACTION_RESULT])
    assert "refused" in shown
    assert "only promote and rollback" in shown or "not a positive whole number" in shown
    assert champion_of(store, demo_setup.model_name) == "2"
    assert any(r.levelno == logging.WARNING and "refused" in r.getMessage() for r in caplog.records)
    assert "forged" not in json.dumps(refresh(client)[ids.HISTORY_TIMELINE])


def test_operations_apply_carries_out_only_promote_and_rollback(
    store: str, demo_setup: DemoSetup
) -> None:
    moved: list[int] = []
    ops = Operations(store, demo_setup.model_name, gate=lambda *_: None, moved=lambda: moved)
    for preview in (
        Preview("bogus", "1", "1", None, ""),
        Preview("rollback", "", "1", None, ""),
        Preview("promote", "2.0", "1", None, ""),
        Preview("promote", "2", "x", None, ""),
    ):
        with pytest.raises(InvalidAction, match="refused"):
            ops.apply(preview, "reason", "olive", force=True)
    assert champion_of(store, demo_setup.model_name) == "1"
    assert check_action("promote", "12", None) == ("promote", "12")


def test_the_status_shows_a_history_that_is_not_intact(
    app: dash.Dash, store: str, demo_setup: DemoSetup
) -> None:
    name = demo_setup.model_name
    done = promote(MlflowRegistryWriter(store), name, "2", reason="r", user="olive",
                   expected="1", force=True)  # fmt: skip
    assert done.outcome == "applied"
    client = app.server.test_client()
    log_in(client, *OPERATOR)
    assert refresh(client)[ids.CHAMPION_STATUS]["children"] == "@champion -> version 2"
    MlflowClient(tracking_uri=store).set_registered_model_alias(name, "champion", "1")
    status = refresh(client)[ids.CHAMPION_STATUS]["children"]
    assert status.startswith(
        "@champion -> version 1 · History check: @champion moved outside champion: now "
        "version 1 (entry #"
    )
    assert status.endswith(" set version 2)")
