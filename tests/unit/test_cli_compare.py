"""``champion compare``: the command line over champion.compare, in-process and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

import champion
from champion.cli.main import champion as cli
from champion.evaluation import METRICS

pytestmark = pytest.mark.cli

N_BOOT = "200"


def _frame(n: int = 240, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    old = np.clip(0.5 + 0.15 * (y - 0.5) + rng.normal(0, 0.2, n), 0, 1)
    new = np.clip(0.5 + 0.5 * (y - 0.5) + rng.normal(0, 0.2, n), 0, 1)
    return pd.DataFrame({"label": y, "old": old, "new_score": new, "text": rng.random(n)})


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


@pytest.fixture
def csv_path(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "predictions.csv"
    frame.to_csv(path, index=False)
    return path


def _expected(frame: pd.DataFrame, **kwargs: object) -> dict[str, object]:
    cmp = champion.compare(
        frame["label"].to_numpy(),
        {"initial": frame["old"].to_numpy(), "new": frame["new_score"].to_numpy()},
        baseline="initial",
        n_boot=int(N_BOOT),
        random_state=0,
        **kwargs,  # type: ignore[arg-type]
    )
    return cmp.to_dict()


def run(*args: str | Path, width: int | None = None) -> Result:
    """The CLI in-process, on a terminal width columns wide; without width, COLUMNS from the
    environment (unset: 80, as on a fresh machine; make test also runs these at 40)."""
    env = {} if width is None else {"COLUMNS": str(width)}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def compare_args(path: Path, *extra: str) -> list[str | Path]:
    return [
        "compare",
        "--predictions",
        path,
        "--target",
        "label",
        "--score",
        "initial=old",
        "--score",
        "new=new_score",
        "--n-boot",
        N_BOOT,
        *extra,
    ]


def assert_clean_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert champion.__version__ in result.output


def test_json_is_the_api_result(csv_path: Path, frame: pd.DataFrame) -> None:
    result = run(*compare_args(csv_path, "--baseline", "initial", "--format", "json"))
    assert result.exit_code == 0, result.output
    expected = _expected(frame)
    assert result.stdout == json.dumps(expected, indent=2) + "\n"
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))
    assert "NaN" not in result.stdout


def test_baseline_defaults_to_the_first_score(csv_path: Path) -> None:
    result = run(*compare_args(csv_path, "--format", "json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["baseline"] == "initial"
    assert list(data["comparisons"]) == ["new"]


def test_options_reach_the_engine(csv_path: Path, frame: pd.DataFrame) -> None:
    options = ("--threshold", "0.4", "--confidence", "0.9", "--seed", "3", "--pos-label", "0")
    result = run(*compare_args(csv_path, *options, "--format", "json"))
    assert result.exit_code == 0, result.output
    cmp = champion.compare(
        frame["label"].to_numpy(),
        {"initial": frame["old"].to_numpy(), "new": frame["new_score"].to_numpy()},
        threshold=0.4,
        confidence=0.9,
        random_state=3,
        pos_label=0,
        n_boot=int(N_BOOT),
    )
    assert json.loads(result.stdout) == json.loads(json.dumps(cmp.to_dict()))
    assert json.loads(result.stdout)["pos_label"] == 0


def test_ci_analytic_reaches_the_engine(csv_path: Path, frame: pd.DataFrame) -> None:
    result = run(*compare_args(csv_path, "--ci", "analytic", "--format", "json"))
    assert result.exit_code == 0, result.output
    expected = _expected(frame, ci="analytic")
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))
    answer = json.loads(result.stdout)
    assert answer["ci"] == "analytic"
    assert answer["models"]["new"]["metrics"]["mcc"]["method"] == "delta"
    assert answer["comparisons"]["new"]["f1"]["method"] == "delta"
    refused = run(*compare_args(csv_path, "--ci", "exact"))
    assert refused.exit_code == 2
    assert "'exact' is not one of" in " ".join(refused.output.split())


def test_options_also_come_from_the_environment(csv_path: Path, frame: pd.DataFrame) -> None:
    env = {"CHAMPION_THRESHOLD": "0.4", "CHAMPION_SEED": "3", "CHAMPION_FORMAT": "json"}
    from_env = CliRunner().invoke(cli, [str(a) for a in compare_args(csv_path)], env=env)
    assert from_env.exit_code == 0, from_env.output
    given = run(*compare_args(csv_path, "--threshold", "0.4", "--seed", "3", "--format", "json"))
    assert json.loads(from_env.stdout) == json.loads(given.stdout)
    assert json.loads(from_env.stdout)["threshold"] == 0.4
    # an option on the command line wins over the environment
    over = CliRunner().invoke(
        cli, [str(a) for a in compare_args(csv_path, "--threshold", "0.6")], env=env
    )
    assert json.loads(over.stdout)["threshold"] == 0.6
    assert "CHAMPION_THRESHOLD" in run("compare", "--help", width=200).output


def test_markdown_names_the_metrics(csv_path: Path) -> None:
    result = run(*compare_args(csv_path, "--format", "markdown"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Model comparison")
    for spec in METRICS:
        assert spec.label in result.stdout
    assert "## new vs initial" in result.stdout


def test_table_shows_intervals_and_fits_100_columns(csv_path: Path, frame: pd.DataFrame) -> None:
    result = run(*compare_args(csv_path), width=100)  # table is the default format
    assert result.exit_code == 0, result.output
    out = result.stdout
    cmp = champion.compare(
        frame["label"].to_numpy(),
        {"initial": frame["old"].to_numpy(), "new": frame["new_score"].to_numpy()},
        n_boot=int(N_BOOT),
    )
    auc = cmp.models["new"].metrics["roc_auc"]
    assert auc.value is not None
    assert auc.ci_low is not None
    assert auc.ci_high is not None
    assert f"{auc.value:.4f} [{auc.ci_low:.4f}, {auc.ci_high:.4f}]" in out
    for spec in METRICS:
        assert spec.label in out
    assert "▲ better" in out  # the new scores separate the classes far better
    assert "< 0.001" in out
    assert "Agreement" in out
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("width", [40, 80])
def test_table_never_cuts_numbers_short(csv_path: Path, frame: pd.DataFrame, width: int) -> None:
    args = compare_args(csv_path, "--score", "noise=text", "--score", "again=old")
    result = run(*args, width=width)
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= width
    cmp = champion.compare(
        frame["label"].to_numpy(),
        {
            name: frame[column].to_numpy()
            for name, column in (("initial", "old"), ("new", "new_score"), ("noise", "text"))
        },
        n_boot=int(N_BOOT),
    )
    auc = cmp.models["noise"].metrics["roc_auc"]
    assert auc.ci_low is not None
    assert auc.ci_high is not None
    lines = result.stdout.splitlines()
    for text in (f"{auc.value:.4f}", f"[{auc.ci_low:.4f}, {auc.ci_high:.4f}]", "ROC AUC"):
        assert any(text in line for line in lines), text  # whole, on one line


def test_string_labels_with_pos_label(tmp_path: Path, frame: pd.DataFrame) -> None:
    words = frame.assign(label=np.where(frame["label"] == 1, "yes", "no"))
    path = tmp_path / "words.csv"
    words.to_csv(path, index=False)
    result = run(*compare_args(path, "--pos-label", "yes", "--format", "json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pos_label"] == "yes"
    assert data["positives"] == int(frame["label"].sum())
    expected = _expected(frame)
    assert data["models"] == json.loads(json.dumps(expected["models"]))


def test_string_labels_need_pos_label(tmp_path: Path, frame: pd.DataFrame) -> None:
    words = frame.assign(label=np.where(frame["label"] == 1, "yes", "no"))
    path = tmp_path / "words.csv"
    words.to_csv(path, index=False)
    assert_clean_error(run(*compare_args(path)), "--pos-label", "'no', 'yes'")


def test_bool_labels(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "bools.csv"
    frame.assign(label=frame["label"] == 1).to_csv(path, index=False)
    for pos_label, positives in (("true", int(frame["label"].sum())), ("1", None)):
        result = run(*compare_args(path, "--pos-label", pos_label, "--format", "json"))
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["pos_label"] is True
        assert positives is None or data["positives"] == positives


@pytest.mark.parametrize("suffix", [".parquet", ".pq", ".csv.gz"])
def test_other_file_types(tmp_path: Path, frame: pd.DataFrame, suffix: str) -> None:
    path = tmp_path / f"predictions{suffix}"
    if suffix == ".csv.gz":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    result = run(*compare_args(path, "--format", "json"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(_expected(frame)))


def test_three_models(csv_path: Path) -> None:
    args = [*compare_args(csv_path, "--score", "noise=text", "--baseline", "new")]
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data["models"]) == ["new", "initial", "noise"]
    assert list(data["comparisons"]) == ["initial", "noise"]
    table = run(*args)
    assert table.exit_code == 0, table.output
    assert "noise − new" in table.stdout


def test_infinite_statistics_stay_valid_json(tmp_path: Path) -> None:
    # one model ties every row, the other separates the classes: the DeLong z is infinite
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"y": [1, 1, 0, 0], "a": [0.5] * 4, "b": [0.9, 0.8, 0.1, 0.2]}).to_csv(
        path, index=False
    )
    args: list[str | Path] = [
        "compare",
        "--predictions",
        path,
        "--target",
        "y",
        "--score",
        "a=a",
        "--score",
        "b=b",
    ]
    result = run(*args, "--n-boot", "20", "--format", "json")
    assert result.exit_code == 0, result.output

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    data = json.loads(result.stdout, parse_constant=refuse)
    assert data["comparisons"]["b"]["delong"]["z"] is None


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.csv"
    assert_clean_error(run(*compare_args(missing)), "not found", str(missing))


def test_unsupported_extension(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.json", "{}")
    assert_clean_error(run(*compare_args(path)), "unsupported", ".csv, .csv.gz, .parquet, .pq")


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.parquet", "not parquet")
    assert_clean_error(run(*compare_args(path)), "cannot read", "p.parquet")


def test_empty_and_headless_files(tmp_path: Path) -> None:
    assert_clean_error(run(*compare_args(_write(tmp_path, "e.csv", ""))), "empty")
    only_header = _write(tmp_path, "h.csv", "label,old,new_score\n")
    assert_clean_error(run(*compare_args(only_header)), "no rows")


def test_duplicate_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "label,old,old,new_score\n1,0.2,0.3,0.4\n0,0.1,0.2,0.3\n")
    assert_clean_error(run(*compare_args(path)), "duplicate column names: 'old'")


def test_unknown_target_column(csv_path: Path) -> None:
    args = compare_args(csv_path)
    args[args.index("label")] = "lable"
    assert_clean_error(
        run(*args), "target column 'lable' not found", "label, old", "did you mean 'label'?"
    )


def test_unknown_score_column(csv_path: Path) -> None:
    args = compare_args(csv_path)
    args[args.index("new=new_score")] = "new=new_scor"
    assert_clean_error(run(*args), "score column 'new_scor'", "did you mean 'new_score'?")


@pytest.mark.parametrize("bad", ["initialold", "=old", "initial="])
def test_malformed_score(csv_path: Path, bad: str) -> None:
    args = compare_args(csv_path)
    args[args.index("initial=old")] = bad
    assert_clean_error(run(*args), "malformed", "NAME=COLUMN")


def test_repeated_model_name(csv_path: Path) -> None:
    args = compare_args(csv_path)
    args[args.index("new=new_score")] = "initial=new_score"
    assert_clean_error(run(*args), "'initial' is given twice")


def test_unknown_baseline(csv_path: Path) -> None:
    assert_clean_error(
        run(*compare_args(csv_path, "--baseline", "champion")),
        "--baseline 'champion'",
        "initial, new",
    )


def test_missing_target_values(tmp_path: Path, frame: pd.DataFrame) -> None:
    holes = frame.astype({"label": "float64"})
    holes.loc[[3, 10, 11, 20, 30, 40, 50], "label"] = np.nan
    path = tmp_path / "holes.csv"
    holes.to_csv(path, index=False)
    assert_clean_error(
        run(*compare_args(path)),
        "7 missing labels",
        "rows 3, 10, 11, 20, 30 and 2 more",
        "column 'label'",
    )


def test_missing_scores(tmp_path: Path, frame: pd.DataFrame) -> None:
    holes = frame.copy()
    holes.loc[[5], "new_score"] = np.nan
    path = tmp_path / "holes.csv"
    holes.to_csv(path, index=False)
    assert_clean_error(run(*compare_args(path)), "rows 5", "scores of 'new' are column 'new_score'")


def test_text_pos_label_for_numeric_target(csv_path: Path) -> None:
    assert_clean_error(run(*compare_args(csv_path, "--pos-label", "yes")), "not a number")


def test_absent_pos_label(csv_path: Path) -> None:
    assert_clean_error(run(*compare_args(csv_path, "--pos-label", "7")), "pos_label=7")


def test_bad_confidence(csv_path: Path) -> None:
    assert_clean_error(run(*compare_args(csv_path, "--confidence", "1.5")), "confidence")


def test_non_numeric_scores(csv_path: Path, tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "words.csv"
    frame.assign(old=["x"] * len(frame)).to_csv(path, index=False)
    assert_clean_error(run(*compare_args(path)), "numeric")


def _subprocess(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "champion", *(str(a) for a in args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_subprocess_json(csv_path: Path, frame: pd.DataFrame) -> None:
    done = _subprocess(*compare_args(csv_path, "--baseline", "initial", "--format", "json"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(json.dumps(_expected(frame)))
    assert done.stdout == json.dumps(_expected(frame), indent=2) + "\n"


def test_subprocess_error(csv_path: Path) -> None:
    args = compare_args(csv_path)
    args[args.index("label")] = "Survivd"
    done = _subprocess(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: target column 'Survivd' not found")
    assert "Traceback" not in done.stderr
