"""docs/deploy.md on one machine: ``scripts/team-stack.sh start --auth`` (PostgreSQL, moto
standing in for S3, ``mlflow server --app-name basic-auth``), users and permissions made through
MLflow's REST API as the admin, a registered model with two versions, the test set in the
bucket, then ``team-stack.sh serve`` (``champion serve --url-prefix /champion --proxy-fix 1
--auth mlflow --workers 4 --cache-dir s3://...``) behind the stand-in reverse proxy of
test_url_prefix.py (what deploy.md's nginx snippet does). The EDIT account promotes from the
Registry page and the history names it; the READ account is told "permission denied"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import mlflow
import pytest
import requests

from champion.actions.audit import HISTORY_PREFIX

from .actions_support import FEATURES, TARGET, ModelKit, training_frame
from .team_stack import TeamStack, read_stack_env, serve_dashboard
from .team_stack import team_stack_auth as team_stack_auth
from .test_actions_auth import credentials
from .test_mlflow_logins import browser, callbacks, log_in, promote
from .test_url_prefix import PREFIX, reverse_proxy

pytestmark = pytest.mark.slow

EDITOR = ("ana", "ana-edit-password-1")
READER = ("ben", "ben-read-password-1")


def admin_call(stack: TeamStack, path: str, body: dict[str, str]) -> None:
    """POST to the tracking server's auth API as the admin (deploy.md's curl lines)."""
    answer = requests.post(f"{stack.tracking_uri}{path}", json=body, auth=stack.admin, timeout=30)
    assert answer.status_code == 200, (path, answer.status_code, answer.text)


@dataclass(frozen=True)
class Deployment:
    stack: TeamStack
    model: str
    dashboard: str  # the dashboard's own address, http://127.0.0.1:PORT/champion/
    cache: str  # the shared cache prefix in the bucket


@pytest.fixture(scope="module")
def deployed(team_stack_auth: TeamStack, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    stack = team_stack_auth
    assert stack.admin is not None
    # accounts, as the admin: an editor and a reader
    for user in (EDITOR, READER):
        admin_call(
            stack, "/api/2.0/mlflow/users/create", {"username": user[0], "password": user[1]}
        )

    # a registered model with two versions (through the server: artifacts proxied to S3)
    with credentials(stack.admin):
        kit = ModelKit(stack.tracking_uri)
        kit.log_models()
        model = kit.new_model(["good", "good2"], name="churn-{}")

    # EDIT on the model for the editor, READ for the reader
    for (name, _), permission in ((EDITOR, "EDIT"), (READER, "READ")):
        grant = {"username": name, "resource_type": "registered_model", "resource_id": model}
        admin_call(
            stack, "/api/3.0/mlflow/users/permissions/grant", {**grant, "permission": permission}
        )

    # the test set in the bucket
    import boto3

    local = tmp_path_factory.mktemp("deploy") / "test.csv"
    training_frame(seed=7)[[*FEATURES, TARGET]].to_csv(local, index=False)
    s3 = boto3.client("s3", endpoint_url=stack.s3_endpoint, **_aws_keys(stack))
    s3.upload_file(str(local), stack.bucket, "eval/test.csv")  # deploy.md's step 6

    cache = f"s3://{stack.bucket}/champion-cache"
    dashboard = serve_dashboard(
        stack, model, f"s3://{stack.bucket}/eval/test.csv",
        "--target", TARGET, "--workers", "4", "--cache-dir", cache,
    )  # fmt: skip
    return Deployment(stack, model, dashboard, cache)


def _aws_keys(stack: TeamStack) -> dict[str, str]:
    env = stack.s3_env
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }


def champion_alias(deployment: Deployment) -> str | None:
    with credentials(deployment.stack.admin or ("", "")):
        client = mlflow.MlflowClient(deployment.stack.tracking_uri)
        aliases = client.get_registered_model(deployment.model).aliases or {}
    return None if "champion" not in aliases else str(aliases["champion"])


def newest_history_entry(deployment: Deployment) -> dict[str, object]:
    with credentials(deployment.stack.admin or ("", "")):
        client = mlflow.MlflowClient(deployment.stack.tracking_uri)
        tags = client.get_registered_model(deployment.model).tags
    keys = sorted(
        (k for k in tags if k.startswith(HISTORY_PREFIX)), key=lambda k: int(k.rsplit(".", 1)[1])
    )
    entry: dict[str, object] = json.loads(tags[keys[-1]])
    return entry


def test_the_stack_serves_the_dashboard_under_the_prefix(deployed: Deployment) -> None:
    assert urlsplit(deployed.dashboard).path == f"{PREFIX}/"
    assert requests.get(f"{deployed.dashboard}health", timeout=30).text == "ok"
    env = read_stack_env(deployed.stack.dir / "stack.env")  # serve added the dashboard's lines
    assert env["CHAMPION_STACK_AUTH"] == "1"
    assert env["CHAMPION_STACK_DASHBOARD_URL"] == deployed.dashboard
    assert (deployed.stack.dir / "dashboard.log").exists()
    # the tracking server wants a login: the dashboard's users bring theirs
    anonymous = requests.get(
        f"{deployed.stack.tracking_uri}/api/2.0/mlflow/registered-models/get",
        params={"name": deployed.model},
        timeout=30,
    )
    assert anonymous.status_code == 401


def test_an_edit_account_promotes_over_the_prefix_and_a_read_account_is_refused(
    deployed: Deployment,
) -> None:
    upstream = deployed.dashboard.removesuffix(f"{PREFIX}/")
    with reverse_proxy(upstream, strip=False) as public:
        base = public + PREFIX
        first = requests.get(f"{base}/", timeout=30, allow_redirects=False)
        assert first.status_code == 302
        location = urlsplit(first.headers["Location"])
        assert location.path == f"{PREFIX}/login"
        assert parse_qs(location.query)["next"] == [f"{PREFIX}/"]
        assert requests.get(f"{base}/health", timeout=30).text == "ok"

        editor = browser(public)
        assert log_in(editor, base, EDITOR).status_code == 302
        assert champion_alias(deployed) == "1"
        answer = promote(callbacks(editor, base), "2", "1")
        assert champion_alias(deployed) == "2", answer
        entry = newest_history_entry(deployed)
        assert str(entry["user"]).startswith(EDITOR[0]), entry
        assert (entry["to"], entry["outcome"]) == ("2", "applied"), entry

        reader = browser(public)
        assert log_in(reader, base, READER).status_code == 302
        refused = promote(callbacks(reader, base), "1", "2")
        assert "permission denied" in refused, refused
        assert champion_alias(deployed) == "2"

        out = reader.post(f"{base}/logout", timeout=30, allow_redirects=False)
        assert out.headers["Location"] == f"{PREFIX}/login"

    # the versions were scored once, into the bucket's shared cache
    import boto3

    s3 = boto3.client("s3", endpoint_url=deployed.stack.s3_endpoint, **_aws_keys(deployed.stack))
    prefix = deployed.cache.removeprefix(f"s3://{deployed.stack.bucket}/")
    listed = s3.list_objects_v2(Bucket=deployed.stack.bucket, Prefix=prefix + "/")
    assert listed.get("KeyCount", 0) > 0, listed
