"""champion against a team's MLflow: PostgreSQL as the backend store, artifacts in S3 (moto's
server), started by ``scripts/team-stack.sh`` (fixture ``team_stack``).

The command line runs as subprocesses with the environment a user gets from ``DIR/stack.env``:
models, compare (its test set an ``s3://`` CSV file) and evaluate --log through the
artifact-proxying server; ten promotes from ten processes at once, a rollback and
``history --verify``; sixty history entries against PostgreSQL's 5,000-character limit on
registered-model tag values (sqlite has none; these calls run in-process, for speed); and
compare (its test set an ``s3://`` prefix of Parquet files) through the second server, whose
clients read and write S3 themselves.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from mlflow.exceptions import MlflowException

from champion.cli.main import champion as champion_cli
from champion.models.registry_writer import MAX_TAG_VALUE_LENGTH

from .actions_support import FEATURES, TARGET, ModelKit, training_frame
from .team_stack import TeamStack

pytestmark = pytest.mark.slow

CHAMPION = str(Path(sys.executable).with_name("champion"))
HISTORY_PREFIX = "champion.history."


@pytest.fixture(scope="module", autouse=True)
def _s3_for_this_process(team_stack: TeamStack) -> Iterator[None]:
    """This process logs models to the direct server, so it writes S3 itself: the endpoint and
    credentials in its environment for the module (never a real AWS endpoint)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in team_stack.s3_env.items():
            mp.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def proxied_kit(team_stack: TeamStack) -> ModelKit:
    """The three small classifiers logged through the server that proxies artifacts to S3."""
    kit = ModelKit(team_stack.tracking_uri)
    kit.log_models()
    return kit


@pytest.fixture(scope="module")
def direct_kit(team_stack: TeamStack) -> ModelKit:
    """The same classifiers logged through the direct server: this process wrote them to S3."""
    kit = ModelKit(team_stack.direct_uri)
    kit.log_models()
    return kit


@pytest.fixture(scope="module")
def test_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local test set: the four encoded features and the target, rows the models never saw."""
    path = tmp_path_factory.mktemp("team-stack-data") / "test.csv"
    training_frame(seed=7)[[*FEATURES, TARGET]].to_csv(path, index=False)
    return path


@dataclass(frozen=True)
class S3TestSet:
    """The test set in the stack's bucket: one CSV file and the same rows as a prefix of two
    Parquet files."""

    csv: str  # s3://BUCKET/data/test.csv
    parquet_prefix: str  # s3://BUCKET/data/parts/ (part-0.parquet, part-1.parquet)


@pytest.fixture(scope="module")
def s3_test_set(team_stack: TeamStack, test_csv: Path) -> S3TestSet:
    """test_csv's rows uploaded to the stack's bucket (beside the artifacts, outside them)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=team_stack.s3_endpoint)
    s3.put_object(Bucket=team_stack.bucket, Key="data/test.csv", Body=test_csv.read_bytes())
    frame = pd.read_csv(test_csv)
    half = len(frame) // 2
    for part, rows in enumerate((frame.iloc[:half], frame.iloc[half:])):
        body = io.BytesIO()
        rows.to_parquet(body, index=False)
        s3.put_object(
            Bucket=team_stack.bucket, Key=f"data/parts/part-{part}.parquet", Body=body.getvalue()
        )
    return S3TestSet(
        csv=f"s3://{team_stack.bucket}/data/test.csv",
        parquet_prefix=f"s3://{team_stack.bucket}/data/parts/",
    )


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("team-stack-cache")


def champion(
    stack: TeamStack,
    *args: object,
    uri: str | None = None,
    timeout: float = 240,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``champion ARGS`` as a subprocess in stack.env's environment (tracking URI: ``uri``, the
    proxying server by default), with env's variables added."""
    return subprocess.run(
        [CHAMPION, *(str(a) for a in args)],
        env={**stack.env(uri), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def explain(done: subprocess.CompletedProcess[str], stack: TeamStack, log: str) -> str:
    return f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}\n" + (
        stack.log_tail(log)
    )


def s3_keys(stack: TeamStack, prefix: str) -> list[str]:
    import boto3

    s3 = boto3.client("s3", endpoint_url=stack.s3_endpoint)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def artifact_location(uri: str, model_uri: str) -> str:
    """Where the logged model ``models:/<model_id>`` keeps its files."""
    model_id = model_uri.removeprefix("models:/")
    return str(mlflow.MlflowClient(uri).get_logged_model(model_id).artifact_location)


def alias_of(uri: str, name: str, alias: str = "champion") -> str | None:
    aliases = mlflow.MlflowClient(uri).get_registered_model(name).aliases or {}
    return None if alias not in aliases else str(aliases[alias])


def lock_models(uri: str) -> list[str]:
    found = mlflow.MlflowClient(uri).search_registered_models("name LIKE 'champion-lock.%'")
    return [str(rm.name) for rm in found]


def history_tags(uri: str, name: str) -> dict[str, str]:
    tags = mlflow.MlflowClient(uri).get_registered_model(name).tags
    return {k: v for k, v in tags.items() if k.startswith(HISTORY_PREFIX)}


def compare_args(name: str, data: Path | str, cache: Path | str) -> list[object]:
    return [
        "compare", f"models:/{name}/1", f"models:/{name}/2", "--data", data, "--target", TARGET,
        "--n-boot", 200, "--cache-dir", cache, "--format", "json",
    ]  # fmt: skip


def check_comparison(done: subprocess.CompletedProcess[str], name: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(done.stdout)
    scored = report["scored"]
    assert sorted(s["version"] for s in scored.values()) == ["1", "2"]
    assert {s["name"] for s in scored.values()} == {name}
    assert report["dataset"]["rows"] == len(training_frame(seed=7))
    assert report["baseline"] == f"models:/{name}/1"
    roc_auc = report["comparisons"][f"models:/{name}/2"]["roc_auc"]
    assert roc_auc["ci_low"] <= roc_auc["delta"] <= roc_auc["ci_high"]
    return report


# through the server that proxies artifacts to S3 ------------------------------------------------


def test_models_compare_and_evaluate_through_the_artifact_proxy(
    team_stack: TeamStack,
    proxied_kit: ModelKit,
    test_csv: Path,
    s3_test_set: S3TestSet,
    cache_dir: Path,
    tmp_path: Path,
) -> None:
    uri = team_stack.tracking_uri
    name = proxied_kit.new_model(["good", "good2"])

    # the model files went through the server into the bucket, under --artifacts-destination
    stored = s3_keys(team_stack, "artifacts/")
    assert sum(key.endswith("/model.skops") for key in stored) >= 3, stored
    location = artifact_location(uri, proxied_kit.sources["good"])
    assert location.startswith("mlflow-artifacts:/"), location

    listed = champion(team_stack, "models", "--format", "json")
    assert listed.returncode == 0, explain(listed, team_stack, "mlflow.log")
    names = [m["name"] for m in json.loads(listed.stdout)]
    assert name in names
    assert not any(n.startswith("champion-lock.") for n in names)
    versions = champion(team_stack, "models", name, "--format", "json")
    assert versions.returncode == 0, explain(versions, team_stack, "mlflow.log")
    [model] = json.loads(versions.stdout)
    assert sorted(v["version"] for v in model["versions"]) == ["1", "2"]
    assert model["aliases"] == {"champion": "1"}

    # the test set read from the bucket (endpoint from stack.env's AWS_ENDPOINT_URL)
    compared = champion(team_stack, *compare_args(name, s3_test_set.csv, cache_dir))
    assert compared.returncode == 0, explain(compared, team_stack, "mlflow.log")
    from_s3 = check_comparison(compared, name)["dataset"]
    assert from_s3["source"] == s3_test_set.csv

    evaluated = champion(team_stack, "evaluate", f"models:/{name}/2", "--data", test_csv,
                         "--target", TARGET, "--n-boot", 0, "--cache-dir", cache_dir,
                         "--log", "--format", "json")  # fmt: skip
    assert evaluated.returncode == 0, explain(evaluated, team_stack, "mlflow.log")
    result = json.loads(evaluated.stdout)
    run_id = result["run_id"]
    assert run_id
    # the same rows read locally and from S3: one fingerprint
    assert result["dataset"]["fingerprint"] == from_s3["fingerprint"]

    # the logged run reads back: metrics in PostgreSQL, the result JSON in S3
    client = mlflow.MlflowClient(uri)
    run = client.get_run(run_id)
    assert run.data.tags["champion.model_name"] == name
    assert run.data.tags["champion.model_version"] == "2"
    assert 0.5 < run.data.metrics["roc_auc"] <= 1.0
    assert {"roc_auc_ci_low", "roc_auc_ci_high"} <= set(run.data.metrics)
    local = client.download_artifacts(run_id, "champion/evaluation.json", str(tmp_path))
    logged = json.loads(Path(local).read_text())
    roc_auc = logged["models"][f"models:/{name}/2"]["metrics"]["roc_auc"]["value"]
    assert roc_auc == pytest.approx(run.data.metrics["roc_auc"])
    assert any(k.endswith(f"{run_id}/artifacts/champion/evaluation.json")
               for k in s3_keys(team_stack, "artifacts/"))  # fmt: skip


def test_compare_with_data_and_cache_in_s3_equals_the_local_files(
    team_stack: TeamStack,
    proxied_kit: ModelKit,
    test_csv: Path,
    s3_test_set: S3TestSet,
    tmp_path: Path,
) -> None:
    name = proxied_kit.new_model(["good", "worse"])
    local = champion(team_stack, *compare_args(name, test_csv, tmp_path / "local"))
    assert local.returncode == 0, explain(local, team_stack, "mlflow.log")
    shared = f"s3://{team_stack.bucket}/cache/{name}"
    answers = []
    for host in ("host-a", "host-b"):  # two hosts: their own folders, one bucket
        env = {"XDG_CACHE_HOME": str(tmp_path / host), "CHAMPION_CACHE_KEY": "k" * 40}
        done = champion(team_stack, *compare_args(name, s3_test_set.csv, shared), env=env)
        assert done.returncode == 0, explain(done, team_stack, "mlflow.log")
        answers.append(json.loads(done.stdout))
    assert not any(s["from_cache"] for s in answers[0]["scored"].values())
    assert all(s["from_cache"] for s in answers[1]["scored"].values())  # scored once, by host a
    assert (
        len([k for k in s3_keys(team_stack, f"cache/{name}/scores/") if k.endswith(".parquet")])
        == 2
    )
    assert s3_keys(team_stack, f"cache/{name}/results/pair/")
    expected = json.loads(local.stdout)
    for answer in (expected, *answers):
        answer.pop("scored")
        answer["dataset"].pop("source")
    assert answers[0] == expected  # the bucket's copy of the rows: exactly the local numbers
    assert answers[1] == expected


def test_ten_promote_processes_at_once_then_rollback_and_verify(
    team_stack: TeamStack, proxied_kit: ModelKit
) -> None:
    uri = team_stack.tracking_uri
    name = proxied_kit.new_model(["good"] * 11)
    env = team_stack.env()
    racers: dict[str, subprocess.Popen[str]] = {}
    for v in map(str, range(2, 12)):  # all started before any is waited for
        command = [CHAMPION, "promote", name, v, "--reason", f"race {v}", "--force",
                   "--expect-current", "1"]  # fmt: skip
        racers[v] = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        outputs = {v: p.communicate(timeout=300) for v, p in racers.items()}
    finally:
        for p in racers.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    done = {v: (racers[v].returncode, out, err) for v, (out, err) in outputs.items()}
    codes = sorted(code for code, _, _ in done.values())
    assert codes == [0] + [3] * 9, {v: (c, err[-600:]) for v, (c, _, err) in done.items()}
    [winner] = [v for v, (code, _, _) in done.items() if code == 0]
    assert alias_of(uri, name) == winner
    for version, (_, _, err) in done.items():
        if version != winner:
            assert f"champion changed: now version {winner}" in err, err
    assert lock_models(uri) == []

    history = champion(team_stack, "history", name, "--format", "json")
    assert history.returncode == 0, explain(history, team_stack, "mlflow.log")
    entries = json.loads(history.stdout)["entries"]
    assert sorted(e["seq"] for e in entries) == list(range(1, 11))
    assert sorted(e["outcome"] for e in entries) == ["applied"] + ["conflict"] * 9

    back = champion(team_stack, "rollback", name, "--reason", "canary failed")
    assert back.returncode == 0, explain(back, team_stack, "mlflow.log")
    assert back.stdout.startswith(f"moved @champion back from version {winner} to version 1")
    assert alias_of(uri, name) == "1"

    verified = champion(team_stack, "history", name, "--verify")
    assert verified.returncode == 0, explain(verified, team_stack, "mlflow.log")
    assert verified.stdout.strip() == f"the history of {name!r} is intact"


def cli(*args: object) -> Result:
    """The CLI in-process (for the many quick calls of the history test)."""
    return CliRunner().invoke(champion_cli, [str(a) for a in args])


#: every metric with each kind of rule (33 rules): with the longest reason, a gate record too
#: large for one tag (about 6,000 characters), so encode_entry has to drop the rules
RULES = [
    rule
    for metric in ("accuracy", "precision", "recall", "specificity", "f1", "balanced_accuracy",
                   "mcc", "roc_auc", "average_precision", "log_loss", "brier")
    for rule in (f"{metric}:not-worse", f"{metric}:superior", f"{metric}:non-inferior:0.05")
]  # fmt: skip
MANY_RULES = [arg for rule in RULES for arg in ("--gate", rule)]


def test_sixty_history_entries_fit_postgresql_tag_values(
    team_stack: TeamStack, proxied_kit: ModelKit, test_csv: Path, cache_dir: Path
) -> None:
    """PostgreSQL's MLflow schema keeps registered-model tag values in VARCHAR(5000): 30
    promote / rollback cycles with the longest reasons and gate records champion writes."""
    uri = team_stack.tracking_uri
    name = proxied_kit.new_model(["good", "good2"])
    client = mlflow.MlflowClient(uri)

    # the limit is real on this stack (it is not on sqlite): 5000 characters pass, 5001 fail
    client.set_registered_model_tag(name, "probe", "x" * MAX_TAG_VALUE_LENGTH)
    with pytest.raises(MlflowException):
        client.set_registered_model_tag(name, "probe", "x" * (MAX_TAG_VALUE_LENGTH + 1))
    client.delete_registered_model_tag(name, "probe")

    gate = ["--data", test_csv, "--target", TARGET, "--n-boot", 0, "--cache-dir", cache_dir]
    for cycle in range(30):
        # a reason of 1,500 characters (cut to 1,000), 2 in 15 escaped in JSON (é is \u00e9)
        reason = f"cycle {cycle}: " + "réentraînement " * 100
        up = cli("promote", name, "2", "--reason", reason, "--force", *gate, *MANY_RULES,
                 "--expect-current", "1", "--tracking-uri", uri)  # fmt: skip
        assert up.exit_code == 0, f"cycle {cycle}: {up.output}\n{team_stack.log_tail()}"
        assert "not recorded" not in up.output, up.output
        down = cli("rollback", name, "--reason", reason, "--expect-current", "2",
                   "--tracking-uri", uri)  # fmt: skip
        assert down.exit_code == 0, f"cycle {cycle}: {down.output}\n{team_stack.log_tail()}"
        assert "not recorded" not in down.output, down.output

    tags = history_tags(uri, name)
    assert len(tags) == 60
    longest = max(len(value) for value in tags.values())
    assert longest <= MAX_TAG_VALUE_LENGTH, longest
    # each promote's gate record was too long to keep whole: stored without its rules (the
    # rollbacks have no gate)
    stored = [json.loads(value) for value in tags.values()]
    gates = [entry["gate"] for entry in stored if entry["action"] == "promote"]
    assert len(gates) == 30
    assert all(g["rules_dropped"] == len(RULES) for g in gates), gates[0]

    listed = champion(team_stack, "history", name, "--format", "json")
    assert listed.returncode == 0, explain(listed, team_stack, "mlflow.log")
    entries = json.loads(listed.stdout)["entries"]
    assert [(e["action"], e["outcome"]) for e in entries] == [
        ("promote", "applied"),
        ("rollback", "applied"),
    ] * 30
    assert all(e["reason"].startswith(f"cycle {i // 2}: ") for i, e in enumerate(entries))
    promoted = [e for e in entries if e["action"] == "promote"]
    assert all(e["gate"] is not None and e["forced"] for e in promoted)
    assert alias_of(uri, name) == "1"

    verified = champion(team_stack, "history", name, "--verify")
    assert verified.returncode == 0, explain(verified, team_stack, "mlflow.log")
    assert verified.stdout.strip() == f"the history of {name!r} is intact"


# through the server whose clients read and write S3 themselves -----------------------------------


def test_compare_against_the_direct_artifacts_server(
    team_stack: TeamStack,
    direct_kit: ModelKit,
    test_csv: Path,
    s3_test_set: S3TestSet,
    tmp_path: Path,
) -> None:
    uri = team_stack.direct_uri
    name = direct_kit.new_model(["good", "worse"])
    location = artifact_location(uri, direct_kit.sources["good"])
    assert location.startswith(team_stack.direct_artifacts + "/"), location
    assert any(k.endswith("/model.skops") for k in s3_keys(team_stack, "direct/"))

    # models and test set both read from S3 by the client itself: a prefix of Parquet files
    compared = champion(
        team_stack, *compare_args(name, s3_test_set.parquet_prefix, tmp_path), uri=uri
    )
    assert compared.returncode == 0, explain(compared, team_stack, "mlflow-direct.log")
    assert check_comparison(compared, name)["dataset"]["source"] == s3_test_set.parquet_prefix

    # --allowed-source sees the s3:// location: the bucket's prefix passes, another is refused
    bucket = f"s3://{team_stack.bucket}/direct/"
    allowed = champion(team_stack, *compare_args(name, test_csv, tmp_path),
                       "--allowed-source", bucket, uri=uri)  # fmt: skip
    assert allowed.returncode == 0, explain(allowed, team_stack, "mlflow-direct.log")
    refused = champion(team_stack, *compare_args(name, test_csv, tmp_path),
                       "--allowed-source", "s3://elsewhere/", "--no-cache", uri=uri)  # fmt: skip
    assert refused.returncode == 2, explain(refused, team_stack, "mlflow-direct.log")
    assert "Traceback" not in refused.stderr
