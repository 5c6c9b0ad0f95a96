"""promote, rollback and history against a real ``mlflow server``: through the CLI and the library,
with a real gate on a test set, races between writers, a crash, and a server restart."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import mlflow
import pytest
from click.testing import CliRunner, Result

from champion.actions import ActionResult, LockSettings, promote, read_history
from champion.cli.main import champion as champion_cli
from champion.data import load_dataset
from champion.models import MlflowRegistry, MlflowRegistryWriter, lock_model_name
from support.terminal import in_a_column, squeeze

from .actions_support import ModelKit
from .servers import RunningServer, free_port, start_server, stop_server

pytestmark = pytest.mark.cli


def cli(*args: object) -> Result:
    """The CLI in-process, at the terminal width COLUMNS gives (80 when unset)."""
    return CliRunner().invoke(champion_cli, [str(a) for a in args])


def alias_of(uri: str, name: str, alias: str = "champion") -> str | None:
    aliases = mlflow.MlflowClient(uri).get_registered_model(name).aliases or {}
    return None if alias not in aliases else str(aliases[alias])


def lock_models(uri: str) -> list[str]:
    found = mlflow.MlflowClient(uri).search_registered_models("name LIKE 'champion-lock.%'")
    return [str(rm.name) for rm in found]


def history_json(uri: str, name: str, *extra: str) -> dict[str, Any]:
    done = cli("history", name, "--tracking-uri", uri, "--format", "json", *extra)
    assert done.exit_code == 0, done.output
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def gate_args(titanic_csv: Path, score_cache: Path) -> list[object]:
    return ["--data", titanic_csv, "--recipe", "titanic", "--cache-dir", score_cache, "--n-boot", 0]


@pytest.mark.slow
def test_promote_behind_a_gate_through_the_cli(
    actions_server: RunningServer, kit: ModelKit, titanic_csv: Path, score_cache: Path
) -> None:
    uri = actions_server.url
    name = kit.new_model(["good", "worse", "good2"])
    base = ["promote", name, "--tracking-uri", uri, *gate_args(titanic_csv, score_cache)]

    # without a test set the gate cannot run: refused before anything is written
    no_data = cli("promote", name, "3", "--reason", "r", "--tracking-uri", uri)
    assert no_data.exit_code == 2
    assert "give --data PATH" in no_data.stderr
    assert "or --force" in no_data.stderr

    # a dry run shows the change and the verdict, and writes nothing
    dry = cli(*base, "3", "--reason", "retrained", "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    assert (planned["outcome"], planned["planned"]) == ("dry_run", "applied")
    assert (planned["from_version"], planned["to_version"]) == ("1", "3")
    assert planned["gate"]["passed"] is True
    rows = load_dataset(str(titanic_csv), recipe="titanic").n
    assert planned["gate"]["dataset"]["rows"] == rows
    assert history_json(uri, name)["entries"] == []
    assert alias_of(uri, name) == "1"

    # the model taught inverted labels is significantly worse: the gate refuses (exit 1)
    refused = cli(*base, "2", "--reason", "try the new one")
    assert refused.exit_code == 1, refused.output
    assert f"gate: FAILED - version 2 vs version 1 on {rows} rows" in refused.stdout
    assert "roc_auc:not-worse: failed: ROC AUC difference" in refused.stdout
    assert refused.stderr.startswith("error: refused to move @champion from version 1 to version 2")
    assert alias_of(uri, name) == "1"

    # forced: moved, and the history says it was forced over a failed gate
    forced = cli(*base, "2", "--reason", "incident 42", "--force", "--format", "json")
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["forced"] is True
    assert alias_of(uri, name) == "2"

    # a passing gate: the better model replaces it
    passed = cli(*base, "3", "--reason", "[bold]weekly[/] retrain", "--gate", "roc_auc:not-worse")
    assert passed.exit_code == 0, passed.output
    assert passed.stdout.startswith("moved @champion from version 2 to version 3; gate passed")
    assert alias_of(uri, name) == "3"

    data = history_json(uri, name)
    assert data["aliases"]["champion"]["version"] == "3"
    rows = [
        (e["seq"], e["from_version"], e["to_version"], e["outcome"], e["forced"], e["reason"])
        for e in data["entries"]
    ]
    assert rows == [
        (1, "1", "2", "refused", False, "try the new one"),
        (2, "1", "2", "applied", True, "incident 42"),
        (3, "2", "3", "applied", False, "[bold]weekly[/] retrain"),
    ]
    gate = data["entries"][1]["gate"]
    assert gate["passed"] is False
    assert gate["rules"][0]["rule"] == "roc_auc:not-worse"
    assert gate["rules"][0]["ci_high"] < 0
    assert data["entries"][1]["note"].startswith("gate failed, forced")
    assert all(e["user"] for e in data["entries"])
    assert lock_models(uri) == []
    table = cli("history", name, "--tracking-uri", uri)
    assert table.exit_code == 0
    # the status line and the table's cells, however the terminal's width wrapped them
    assert squeeze("@champion -> version 3") in squeeze(table.stdout)
    assert in_a_column("promote 1 → 2", table.stdout)
    assert in_a_column("refused", table.stdout)
    assert in_a_column("applied (forced)", table.stdout)
    assert in_a_column("[bold]weekly[/] retrain", table.stdout)  # free text, not markup
    # lock models are not models: champion models never lists them
    assert all(not m.name.startswith("champion-lock.") for m in MlflowRegistry(uri).list_models())


@pytest.mark.slow
def test_a_version_chosen_among_candidates_is_gated_with_them(
    actions_server: RunningServer, kit: ModelKit, titanic_csv: Path, score_cache: Path
) -> None:
    """--chosen-from gates every candidate against the champion together (Holm across them):
    the record says which versions and how; the champion itself is not a candidate."""
    uri = actions_server.url
    name = kit.new_model(["good", "good2", "worse", "good"])
    base = ["promote", name, "--tracking-uri", uri, *gate_args(titanic_csv, score_cache)]
    rule = ["--gate", "roc_auc:non-inferior:0.05", "--reason", "best of three"]
    dry = cli(*base, "2", *rule, "--chosen-from", "3,4", "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    gate = json.loads(dry.stdout)["gate"]
    assert gate["chosen_from"] == ["3", "4"]
    assert gate["adjustment"] == {"method": "holm", "family": 3}
    outcome = gate["rules"][0]
    assert outcome["p_adjusted"] >= outcome["p_value"]
    assert "Holm-adjusted across 3 challengers" in outcome["reason"]
    alone = cli(*base, "2", *rule, "--chosen-from", "3,4", "--adjust", "none", "--dry-run",
                "--format", "json")  # fmt: skip
    assert json.loads(alone.stdout)["gate"]["adjustment"] == {"method": "none", "family": 1}
    applied = cli(*base, "2", *rule, "--chosen-from", "4, 3")
    assert applied.exit_code == 0, applied.output
    assert "chosen from versions 4, 3: Holm-adjusted" in applied.stdout
    entry = history_json(uri, name)["entries"][-1]
    assert entry["gate"]["chosen_from"] == ["4", "3"]
    assert entry["gate"]["adjusted"] == "holm"
    assert entry["gate"]["rules"][0]["p_holm"] is not None
    # the version holding the alias is what the candidates are compared with
    champion = cli(*base, "4", *rule, "--chosen-from", "2,3")
    assert champion.exit_code == 2
    assert "leave it out of --chosen-from" in champion.stderr
    bad = cli(*base, "4", *rule, "--chosen-from", "three")
    assert bad.exit_code == 2
    assert "--chosen-from 'three' is not a list of versions" in bad.stderr
    assert alias_of(uri, name) == "2"
    # forced without a test set no gate runs: the candidates are said to be unused
    forced = cli("promote", name, "4", "--tracking-uri", uri, "--reason", "r", "--force",
                 "--chosen-from", "3", "--dry-run")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert "note: --chosen-from 3 is not used: no gate runs" in forced.stderr


def test_a_stale_expectation_is_refused_with_exit_3(
    actions_server: RunningServer, kit: ModelKit
) -> None:
    uri = actions_server.url
    name = kit.new_model(["good", "good", "good"])
    args = ["promote", name, "2", "--reason", "r", "--force", "--tracking-uri", uri]
    stale = cli(*args, "--expect-current", "3")
    assert stale.exit_code == 3, stale.output
    assert "champion changed: now version 1 (you expected version 3)" in stale.stderr
    assert alias_of(uri, name) == "1"
    [entry] = history_json(uri, name)["entries"]
    assert (entry["outcome"], entry["from_version"], entry["to_version"]) == ("conflict", "1", "2")
    assert lock_models(uri) == []


class RacingWriter(MlflowRegistryWriter):
    """A writer whose first lock creation is preceded by another client moving the alias: the
    race between reading the alias and writing it, on the real server."""

    def __init__(self, uri: str, name: str, to: str) -> None:
        super().__init__(uri)
        self.other = mlflow.MlflowClient(uri)
        self.move = (name, to)

    def create_lock(self, lock_name: str, tags: Any, description: str) -> bool:
        if self.move:
            name, to = self.move
            self.other.set_registered_model_alias(name, "champion", to)
            self.move = ()  # type: ignore[assignment]
        return super().create_lock(lock_name, tags, description)


def test_another_writer_between_read_and_write_is_a_conflict(
    actions_server: RunningServer, kit: ModelKit
) -> None:
    uri = actions_server.url
    name = kit.new_model(["good", "good", "good"])
    writer = RacingWriter(uri, name, "3")
    result = promote(writer, name, "2", reason="r", user="ana", expected="1", force=True)
    assert result.outcome == "conflict"
    assert "champion changed: now version 3" in result.message
    assert alias_of(uri, name) == "3"  # the other writer's value stands


def test_rollback_uses_history_and_refuses_deleted_versions(
    actions_server: RunningServer, kit: ModelKit
) -> None:
    uri = actions_server.url
    name = kit.new_model(["good", "good", "good", "good"])
    client = mlflow.MlflowClient(uri)
    for version, expected in (("3", "1"), ("2", "3")):
        moved = cli("promote", name, version, "--reason", "r", "--force", "--tracking-uri", uri)
        assert moved.exit_code == 0, moved.output
        assert alias_of(uri, name) == version, expected

    back = cli("rollback", name, "--reason", "bad canary", "--tracking-uri", uri)
    assert back.exit_code == 0, back.output
    assert back.stdout.startswith("moved @champion back from version 2 to version 3")
    assert alias_of(uri, name) == "3"  # the version that held it before, not "2 - 1"

    # the version before 3 was 1: delete it, and a rollback refuses with an explanation
    client.delete_model_version(name, "1")
    refused = cli("rollback", name, "--reason", "again", "--tracking-uri", uri)
    assert refused.exit_code == 2
    assert "version 1 held @champion" in refused.stderr
    assert "deleted" in refused.stderr
    assert alias_of(uri, name) == "3"

    # the champion itself deleted: MLflow drops the alias; history says what happened
    client.delete_model_version(name, "3")
    assert alias_of(uri, name) is None
    data = history_json(uri, name)
    status = data["aliases"]["champion"]
    assert status["version"] is None
    assert status["deleted_version"] == "3"
    assert status["text"].startswith("no current champion (version 3, last promoted ")
    assert status["text"].endswith(", was deleted)")
    # promote still works (the expected current holder is none)
    again = cli("promote", name, "4", "--reason", "replace deleted", "--tracking-uri", uri)
    assert again.exit_code == 0, again.output
    assert "no current champion: no gate to pass" in again.stdout
    assert "note: no current champion (version 3" in again.stdout
    assert alias_of(uri, name) == "4"
    entries = history_json(uri, name)["entries"]
    assert [(e["action"], e["from_version"], e["to_version"]) for e in entries] == [
        ("promote", "1", "3"),
        ("promote", "3", "2"),
        ("rollback", "2", "3"),
        ("promote", None, "4"),
    ]


def race_ten_promotions(uri: str, name: str) -> None:
    """Ten threads, each with its own client, all expecting version 1: one wins, nine conflict."""
    barrier = threading.Barrier(10)
    results: dict[str, ActionResult] = {}
    errors: list[BaseException] = []

    def attempt(version: str) -> None:
        writer = MlflowRegistryWriter(uri)
        barrier.wait()
        try:
            results[version] = promote(
                writer, name, version, reason=f"race {version}", user=f"worker-{version}",
                expected="1", force=True,
            )  # fmt: skip
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(str(v),)) for v in range(2, 12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    outcomes = sorted(r.outcome for r in results.values())
    assert outcomes == ["applied"] + ["conflict"] * 9
    winner = next(v for v, r in results.items() if r.outcome == "applied")
    assert alias_of(uri, name) == winner
    for result in results.values():
        if result.outcome == "conflict":
            assert f"champion changed: now version {winner}" in result.message
    entries = read_history(MlflowRegistryWriter(uri), name)
    assert sorted(e.seq for e in entries) == list(range(1, 11))
    assert [e.outcome for e in entries].count("applied") == 1
    assert [e.outcome for e in entries].count("conflict") == 9
    assert {e.to_version for e in entries} == {str(v) for v in range(2, 12)}
    assert lock_models(uri) == []  # no lock, and no claim to delete one, is left


@pytest.mark.slow
def test_ten_concurrent_promotions_one_applies(
    actions_server: RunningServer, kit: ModelKit
) -> None:
    """Ten threads, each with its own client, all expecting version 1: one wins, nine conflict."""
    race_ten_promotions(actions_server.url, kit.new_model(["good"] * 11))


@pytest.mark.slow
def test_ten_promotions_racing_to_break_a_stale_lock_one_applies(
    actions_server: RunningServer, kit: ModelKit
) -> None:
    """The same race behind a lock whose holder crashed: all ten find it expired and try to
    remove it; the fenced delete lets only one remove it, and never a fresh lock."""
    uri = actions_server.url
    name = kit.new_model(["good"] * 11)
    mlflow.MlflowClient(uri).create_registered_model(
        lock_model_name(name, "champion"),
        tags={
            "token": "0" * 32,
            "holder": "crashed@host",
            "purpose": "promote version 5",
            "expires_at": "2020-01-01T00:00:00.000+00:00",
        },
    )
    race_ten_promotions(uri, name)


@pytest.mark.slow
def test_history_verify_finds_edits_and_an_alias_moved_outside_champion(
    actions_server: RunningServer, kit: ModelKit
) -> None:
    uri = actions_server.url
    name = kit.new_model(["good", "good", "good", "good"])
    for before, version in (("1", "2"), ("2", "3"), ("3", "4")):
        done = cli("promote", name, version, "--reason", "r", "--force",
                   "--expect-current", before, "--tracking-uri", uri)  # fmt: skip
        assert done.exit_code == 0, done.output
    intact = cli("history", name, "--verify", "--tracking-uri", uri)
    assert intact.exit_code == 0, intact.output
    assert intact.stdout.strip() == f"the history of {name!r} is intact"

    client = mlflow.MlflowClient(uri)
    key = "champion.history.champion.000002"
    entry = json.loads(client.get_registered_model(name).tags[key])
    client.set_registered_model_tag(name, key, json.dumps({**entry, "reason": "edited"}))
    client.set_registered_model_alias(name, "champion", "1")
    broken = cli("history", name, "--verify", "--tracking-uri", uri)
    assert broken.exit_code == 1, broken.output
    assert broken.stdout.splitlines() == [
        "@champion: entry #2 was changed after entry #3 was written",
        "@champion moved outside champion: now version 1 (entry #3 set version 4)",
    ]
    data = json.loads(cli("history", name, "--verify", "--format", "json",
                          "--tracking-uri", uri).stdout)  # fmt: skip
    assert (data["intact"], [p["kind"] for p in data["problems"]]) == (False, ["changed", "moved"])


CRASHING_PROMOTE = textwrap.dedent(
    """
    import os, sys
    from champion.actions import LockSettings, promote
    from champion.models import MlflowRegistryWriter

    class Dies(MlflowRegistryWriter):
        tags = 0
        def set_model_tag(self, name, key, value):
            self.tags += 1
            if self.tags == 2:  # the alias has moved; the entry is about to become "applied"
                os._exit(17)
            super().set_model_tag(name, key, value)

    uri, name = sys.argv[1], sys.argv[2]
    promote(Dies(uri), name, "2", reason="crash test", user="crasher", expected="1",
            force=True, settings=LockSettings(lease=8, margin=3))
    """
)


@pytest.mark.slow
def test_a_crash_between_alias_write_and_history_is_reported(
    actions_server: RunningServer, kit: ModelKit, tmp_path: Path
) -> None:
    uri = actions_server.url
    name = kit.new_model(["good", "good", "good"])
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_PROMOTE)
    died = subprocess.run(
        [sys.executable, str(script), uri, name], capture_output=True, timeout=120
    )
    assert died.returncode == 17, died.stderr.decode()
    assert alias_of(uri, name) == "2"
    assert lock_models(uri) == [lock_model_name(name, "champion")]  # left behind by the crash

    [entry] = history_json(uri, name)["entries"]
    assert (entry["outcome"], entry["note"]) == ("pending", "in progress")  # its lease is alive

    # a promotion now waits for the lease to run out, breaks the stale lock and settles the entry
    writer = MlflowRegistryWriter(uri)
    wait = LockSettings(timeout=60)
    result = promote(writer, name, "3", reason="after crash", user="ana", expected="2",
                     force=True, settings=wait)  # fmt: skip
    assert result.outcome == "applied"
    entries = history_json(uri, name)["entries"]
    assert [(e["seq"], e["outcome"], e["note"]) for e in entries] == [
        (1, "interrupted", "alias was moved"),
        (2, "applied", "gate skipped (forced)"),
    ]
    table = cli("history", name, "--tracking-uri", uri)
    assert in_a_column("interrupted", table.stdout)
    assert lock_models(uri) == []


@pytest.mark.slow
def test_history_survives_a_server_restart(tmp_path: Path) -> None:
    db = tmp_path / "persistent.db"
    server = start_server(tmp_path, db)
    try:
        made = ModelKit(server.url)
        made.log_models()
        name = made.new_model(["good", "good2", "good"])
        for version in ("2", "3"):
            done = cli("promote", name, version, "--reason", f"to {version}", "--force",
                       "--tracking-uri", server.url)  # fmt: skip
            assert done.exit_code == 0, done.output
        before = history_json(server.url, name)
    finally:
        stop_server(server)
    assert server.process.poll() is not None
    time.sleep(0.5)
    restarted = start_server(tmp_path, db)
    try:
        assert restarted.url != server.url or restarted.process.pid != server.process.pid
        after = history_json(restarted.url, name)
        assert after["entries"] == before["entries"]
        assert [e["to_version"] for e in after["entries"]] == ["2", "3"]
        # the history still drives a rollback after the restart
        back = cli("rollback", name, "--reason", "restart check", "--tracking-uri", restarted.url)
        assert back.exit_code == 0, back.output
        assert alias_of(restarted.url, name) == "2"
    finally:
        stop_server(restarted)


@pytest.mark.parametrize("status", [None, 503])
def test_an_unusable_server_is_explained(status: int | None, http_stub: Any) -> None:
    """Writes get the same explanations as reads: unreachable, or the server failing."""
    uri = f"http://127.0.0.1:{free_port()}" if status is None else http_stub(status)
    done = cli("promote", "titanic", "2", "--reason", "r", "--force", "--tracking-uri", uri)
    assert done.exit_code == 2
    expected = "cannot reach the tracking server" if status is None else "failed (HTTP 503)"
    assert expected in done.stderr
    assert "Traceback" not in done.output
