"""Start-up: what importing champion and running ``champion --help`` load.

No test here times anything; they check which modules a fresh interpreter has loaded, which is
what the start-up time follows (benchmarks/bench_cli.py measures it).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import click
import pytest

from champion.cli.main import COMMANDS, PLUGIN_GROUP, PLUGIN_HELP, champion

HEAVY = {"mlflow", "dash", "plotly", "pandas"}


def loaded_by(code: str) -> set[str]:
    """Top-level packages a fresh interpreter loads running ``code`` beyond its own start-up
    (standard library included: it is what ``python -c pass`` does not load that counts)."""
    script = textwrap.dedent(
        f"""
        import json, sys
        before = set(sys.modules)
        {textwrap.indent(textwrap.dedent(code), "        ").strip()}
        new = {{name.split(".")[0] for name in set(sys.modules) - before}}
        print(json.dumps(sorted(new)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    names: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return set(names)


def third_party(names: set[str]) -> set[str]:
    return {n for n in names if n not in sys.stdlib_module_names and not n.startswith("_")} - {
        "champion"
    }


def test_importing_the_cli_loads_nothing_heavy() -> None:
    loaded = loaded_by("import champion.cli.main")
    assert not loaded & HEAVY
    assert "numpy" not in loaded


def test_help_loads_nothing_heavy_and_lists_every_command() -> None:
    code = """
        import contextlib, io
        from champion.cli.main import main
        sys.argv = ["champion", "--help"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main()
        assert all(name in out.getvalue() for name in ("compare", "serve", "users")), out
    """
    loaded = loaded_by(code)
    assert not loaded & HEAVY, loaded & HEAVY
    assert "numpy" not in loaded
    assert not {m for m in loaded if m.startswith("rich")}


@pytest.mark.parametrize(
    "package", ["champion", "champion.models", "champion.data", "champion.presentation"]
)
def test_packages_load_their_names_on_first_use(package: str) -> None:
    loaded = loaded_by(f"import {package}")
    assert not loaded & (HEAVY | {"numpy", "requests"}), loaded


def test_evaluation_loads_only_numpy() -> None:
    assert third_party(loaded_by("import champion.evaluation")) == {"numpy"}


def test_the_models_package_reads_a_server_without_mlflow() -> None:
    """Reading a tracking server's registry needs requests, not MLflow (see test_rest)."""
    loaded = loaded_by("from champion.models import MlflowRegistry, RegistryClient")
    assert "mlflow" not in loaded
    assert not loaded & HEAVY


@pytest.mark.parametrize(
    "package", ["champion", "champion.models", "champion.data", "champion.presentation"]
)
def test_every_public_name_still_imports(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_fingerprint_is_the_function_even_after_its_module_is_imported() -> None:
    importlib.import_module("champion.data.loaders")  # imports champion.data.fingerprint
    from champion.data import fingerprint

    assert callable(fingerprint)
    assert fingerprint.__module__ == "champion.data.fingerprint"


def test_the_command_table_says_what_the_commands_say() -> None:
    """``champion --help`` shows the short help of ``COMMANDS`` and ``PLUGIN_HELP`` without
    importing the commands: it must be theirs."""
    ctx = click.Context(champion)
    for name, (target, short_help) in COMMANDS.items():
        command = champion.get_command(ctx, name)
        assert command is not None, target
        assert command.name == name
        assert command.get_short_help_str(200) == short_help, (
            f"the short help of {target} changed: update COMMANDS in champion/cli/main.py"
        )
    plugins = {ep.value: ep for ep in entry_points(group=PLUGIN_GROUP)}
    for value, short_help in PLUGIN_HELP.items():
        if value in plugins:
            assert plugins[value].load().get_short_help_str(200) == short_help, (
                f"the short help of {value} changed: update PLUGIN_HELP in champion/cli/main.py"
            )


def test_help_rows_match_the_loaded_commands() -> None:
    ctx = click.Context(champion)
    rows = dict(champion.short_helps(ctx, 200))
    assert set(rows) == set(champion.list_commands(ctx))
    for name, text in rows.items():
        command = champion.get_command(ctx, name)
        assert command is not None
        assert text == command.get_short_help_str(200)
