"""Registered-model names with dots, and three-level names as Unity Catalog writes them
(``catalog.schema.model``): compared, promoted behind a gate, rolled back and verified against a
real ``mlflow server``; the lock of a three-level name is itself three levels, in the model's
schema."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import mlflow
import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as champion_cli
from champion.models import MlflowRegistry, is_lock_model, lock_model_name

from .actions_support import ModelKit
from .servers import RunningServer

pytestmark = pytest.mark.slow


def cli(*args: object) -> Result:
    return CliRunner().invoke(champion_cli, [str(a) for a in args])


def test_the_lock_of_a_three_level_name_lies_in_its_schema() -> None:
    assert (
        lock_model_name("main.risk.churn", "champion") == "main.risk.champion_lock__churn__champion"
    )
    assert lock_model_name("team.churn", "champion") == "champion-lock.team.churn.champion"
    assert is_lock_model("main.risk.champion_lock__churn__champion")
    assert not is_lock_model("main.risk.churn")


@pytest.mark.parametrize("pattern", ["team.churn-{}", "main.s{}.churn"])
def test_dotted_and_three_level_names_go_through_every_command(
    actions_server: RunningServer,
    kit: ModelKit,
    titanic_csv: Path,
    score_cache: Path,
    pattern: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uri = actions_server.url
    name = kit.new_model(["good", "worse", "good2"], name=pattern)
    gate = ["--data", titanic_csv, "--recipe", "titanic", "--cache-dir", score_cache, "--n-boot", 0]

    compared = cli(
        "compare",
        f"models:/{name}/3",
        f"models:/{name}@champion",
        "--tracking-uri",
        uri,
        *gate,
        "--format",
        "json",
    )
    assert compared.exit_code == 0, compared.output
    assert set(json.loads(compared.stdout)["scored"]) == {
        f"models:/{name}/3",
        f"models:/{name}@champion",
    }

    # the lock exists while a promote runs: catch its name from the writer
    created: list[str] = []
    original = mlflow.MlflowClient.create_registered_model
    seen = threading.Lock()

    def spy(self: mlflow.MlflowClient, model: str, *args: object, **kwargs: object) -> object:
        with seen:
            created.append(model)
        return original(self, model, *args, **kwargs)

    monkeypatch.setattr(mlflow.MlflowClient, "create_registered_model", spy)
    promoted = cli("promote", name, "3", "--reason", "retrained", "--tracking-uri", uri, *gate)
    monkeypatch.undo()
    assert promoted.exit_code == 0, promoted.output
    assert created == [lock_model_name(name, "champion")]
    if name.count(".") == 2:
        assert created[0].rsplit(".", 1)[0] == name.rsplit(".", 1)[0]  # in the model's schema

    back = cli("rollback", name, "--reason", "canary", "--tracking-uri", uri)
    assert back.exit_code == 0, back.output
    verified = cli("history", name, "--verify", "--tracking-uri", uri)
    assert verified.exit_code == 0, verified.output
    history = cli("history", name, "--tracking-uri", uri, "--format", "json")
    entries = json.loads(history.stdout)["entries"]
    assert [(e["from_version"], e["to_version"]) for e in entries] == [("1", "3"), ("3", "1")]
    listed = [m.name for m in MlflowRegistry(uri).list_models()]
    assert name in listed
    assert not any(is_lock_model(m) for m in listed)
