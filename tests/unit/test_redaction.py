"""Credentials in a tracking URI never reach a message, a page, a link or the terminal."""

from __future__ import annotations

from click.testing import CliRunner

from champion.cli.main import champion
from champion.errors import RegistryError, redact, without_credentials
from champion.presentation.table_views import run_cell

SECRET = "S3CRET"
URI = f"http://alice:{SECRET}@127.0.0.1:9"


def test_redact_hides_userinfo_of_every_uri_and_nothing_else() -> None:
    text = f"cannot reach {URI}/api and https://token@host/x; file sqlite:///data/a@b.db"
    assert redact(text) == (
        "cannot reach http://***@127.0.0.1:9/api and https://***@host/x; file sqlite:///data/a@b.db"
    )
    assert without_credentials(URI) == "http://127.0.0.1:9"


def test_errors_redact_their_messages() -> None:
    assert SECRET not in str(RegistryError(f"the server at {URI} refused"))


def test_the_cli_never_prints_the_password() -> None:
    result = CliRunner().invoke(champion, ["models", "--tracking-uri", URI])
    assert result.exit_code == 2
    assert "127.0.0.1:9" in result.output
    assert SECRET not in result.output


def test_run_links_carry_no_credentials() -> None:
    cell = run_cell("0123456789abcdef", URI, "en")
    assert cell.link == "http://127.0.0.1:9/#/runs/0123456789abcdef"


def test_the_dashboards_settings_print_without_secrets() -> None:
    from champion.dashboard.config import DashboardConfig

    config = DashboardConfig(
        tracking_uri=URI, model_name="m", data_source="d.csv", secret_key="k" * 40
    )
    shown = repr(config)
    assert SECRET not in shown
    assert "http://***@127.0.0.1:9" in shown
    assert "k" * 40 not in shown
