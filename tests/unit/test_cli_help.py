"""Every option of every ``champion`` command says what it does, and ``champion serve`` passes
its options on to the dashboard's configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import champion.dashboard.backend
import champion.dashboard.server
import champion.dashboard.testset
from champion.cli.main import champion as champion_cli
from champion.dashboard.config import DashboardConfig

pytestmark = pytest.mark.cli


def commands(group: click.Group, ctx: click.Context) -> list[tuple[str, click.Command]]:
    """(path, command) of every command under group, subcommands of groups included, loading
    the ``champion.commands`` entry points (serve, demo, users) the way ``champion`` does."""
    found: list[tuple[str, click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        found.append((name, command))
        if isinstance(command, click.Group):
            sub = click.Context(command, info_name=name, parent=ctx)
            found += [(f"{name} {path}", c) for path, c in commands(command, sub)]
    return found


def options() -> list[tuple[str, click.Option]]:
    ctx = click.Context(champion_cli, info_name="champion")
    found = [("", p) for p in champion_cli.params if isinstance(p, click.Option)]
    for path, command in commands(champion_cli, ctx):
        found += [(path, p) for p in command.params if isinstance(p, click.Option)]
    return found


def test_the_plugin_commands_are_included() -> None:
    paths = {path for path, _ in options()}
    assert {"serve", "demo", "users add", "compare", "cache list", "promote"} <= paths


@pytest.mark.parametrize(
    ("path", "option"),
    [
        pytest.param(path, option, id=f"{path} {option.opts[0]}".strip())
        for path, option in options()
    ],
)
def test_every_option_has_help(path: str, option: click.Option) -> None:
    name = f"{path} {option.opts[0]}".strip()
    assert (option.help or "").strip(), f"champion {name} has no help text"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``champion serve`` hands to the backend and to gunicorn, neither of them run."""
    seen: dict[str, Any] = {}

    class Backend:
        def __init__(self, config: DashboardConfig) -> None:
            seen["config"] = config
            self.dataset = None

        def model(self) -> None:
            return None

    def serve_production(config: DashboardConfig, host: str, port: int, workers: int) -> None:
        seen.update(served=config, host=host, port=port, workers=workers)

    monkeypatch.setattr(champion.dashboard.backend, "DashboardBackend", Backend)
    monkeypatch.setattr(champion.dashboard.server, "serve_production", serve_production)
    monkeypatch.setattr(champion.dashboard.testset, "publish_test_set", lambda config, _: config)
    return seen


SERVE = ["serve", "--tracking-uri", "sqlite:///m.db", "--model", "titanic", "--data", "t.csv"]


def test_serve_passes_features_and_timeout_to_the_dashboard(
    served: dict[str, Any], tmp_path: Path
) -> None:
    args = [*SERVE, "--features", "Pclass, Sex,,Age", "--timeout", "12.5", "--port", "8123"]
    args += ["--trust-type", "numpy.dtype", "--allow-pickle", "--cache-dir", str(tmp_path)]
    result = CliRunner().invoke(champion_cli, args)
    assert result.exit_code == 0, result.output
    config: DashboardConfig = served["config"]
    assert served["served"] == config
    assert config.features == ("Pclass", "Sex", "Age")
    assert config.timeout == 12.5
    assert config.trust_types == ("numpy.dtype",)
    assert config.allow_pickle is True
    assert config.cache_dir == tmp_path
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)


def test_serve_defaults_every_column_and_ten_minutes(served: dict[str, Any]) -> None:
    result = CliRunner().invoke(champion_cli, SERVE)
    assert result.exit_code == 0, result.output
    config: DashboardConfig = served["config"]
    assert config.features is None
    assert config.timeout == DashboardConfig.timeout == 600.0


@pytest.mark.parametrize("timeout", ["0", "-5", "soon"])
def test_serve_refuses_a_timeout_that_is_not_a_positive_number(
    served: dict[str, Any], timeout: str
) -> None:
    result = CliRunner().invoke(champion_cli, [*SERVE, "--timeout", timeout])
    assert result.exit_code == 2
    assert "--timeout" in result.output
    assert "config" not in served
