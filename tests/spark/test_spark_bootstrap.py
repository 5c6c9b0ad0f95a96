"""poisson_distributions: the Poisson bootstrap of weighted rows on the cluster, paired across
models, deterministic, and spread as widely as the in-memory bootstrap."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from champion.errors import DataError
from champion.evaluation import compare
from champion.evaluation.agreement import paired_agreement
from champion.evaluation.bootstrap import percentile_interval
from champion.evaluation.compare import PairedTests, model_comparison
from champion.evaluation.delong import undefined_delong
from champion.evaluation.estimates import estimate_metrics, point_values
from champion.evaluation.report import evaluate_models, settings
from champion.evaluation.stats import mcnemar
from champion.spark import bootstrap as spark_bootstrap
from champion.spark.aggregate import report_from_table, score_table
from champion.spark.bootstrap import poisson_distributions

from .support import frame

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

pytestmark = pytest.mark.spark

N = 3000
B = 200
SEED = 1
TOLERANCE = 0.15  # SD ratio: B = 200 estimates an SD to about 5%
CHECKED = ("roc_auc", "accuracy", "f1", "log_loss")
COLUMNS = ["a", "b", "a_copy", "lab", "margin"]
ONLY = [False, False, False, True, False]


def _data(n: int, seed: int) -> dict[str, np.ndarray]:
    """Labels, Gamma weights and models: continuous, rounded (ties), an exact copy, labels only,
    and margins outside [0, 1]."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.35
    signal = y * 1.2 + rng.normal(size=n)
    a = 1.0 / (1.0 + np.exp(-signal))
    b = np.round(1.0 / (1.0 + np.exp(-(0.5 * signal + rng.normal(size=n)))), 3)
    return {
        "id": np.arange(n, dtype=np.int64),
        "y": y.astype(np.int64),
        "a": a,
        "b": b,
        "a_copy": a.copy(),
        "lab": (a >= 0.55).astype(np.float64),
        "margin": 2.0 * signal,
        "w": rng.gamma(0.5, 2.0, n),  # E[w^2] / E[w]^2 = 3: a third of the rows' information
    }


def _draw(df: DataFrame, columns: Sequence[str], **options: Any) -> list[dict[str, np.ndarray]]:
    only = [column == "lab" for column in columns]
    arguments: dict[str, Any] = {
        "pos_label": 1,
        "weight_col": "w",
        "threshold": 0.5,
        "probabilities": [True] * len(columns),
        "labels_only": only,
        "n_boot": B,
        "seed": SEED,
        **options,
    }
    return poisson_distributions(df, "y", list(columns), **arguments)


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    return _data(N, 0)


@pytest.fixture(scope="module")
def df(spark: SparkSession, data: dict[str, np.ndarray]) -> DataFrame:
    return frame(spark, **data).cache()


@pytest.fixture(scope="module")
def drawn(df: DataFrame) -> list[dict[str, np.ndarray]]:
    return _draw(df, COLUMNS)


def _same(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> None:
    assert list(got) == list(want)
    for name, values in want.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)


def test_the_same_resamples_for_a_repartitioned_copy_and_another_for_another_seed(
    df: DataFrame, drawn: list[dict[str, np.ndarray]]
) -> None:
    # one model alone on a copy in other partitions, in another order: the very same numbers
    shuffled = df.repartition(7, "b").sortWithinPartitions("w")
    _same(_draw(shuffled, ["a"])[0], drawn[0])
    other = _draw(df, ["a"], seed=SEED + 1)[0]
    assert list(other) == list(drawn[0])
    for name in CHECKED:
        assert np.mean(other[name] != drawn[0][name]) > 0.9, name
    # the resamples are random: about the multinomial bootstrap's spread around the point
    assert np.std(drawn[0]["roc_auc"]) > 0.005


def test_identical_columns_differ_by_exactly_nothing(drawn: list[dict[str, np.ndarray]]) -> None:
    for name, values in drawn[0].items():
        assert np.all(drawn[2][name] - values == 0.0), name
    assert not np.all(drawn[1]["roc_auc"] - drawn[0]["roc_auc"] == 0.0)


def test_the_metrics_are_those_the_in_memory_bootstrap_resamples(
    data: dict[str, np.ndarray], drawn: list[dict[str, np.ndarray]]
) -> None:
    config = settings(0.5, 0.95, 20, 0, 1, frozenset({"lab"}), "bootstrap")
    scores = {column: data[column] for column in COLUMNS}
    memory = evaluate_models(data["y"] == 1, scores, data["w"], config).distributions
    assert memory is not None
    for column, got, want in zip(COLUMNS, drawn, memory, strict=True):
        assert list(got) == list(want), column
        assert all(values.shape == (B,) for values in got.values()), column
    assert "log_loss" not in drawn[3]  # labels only
    assert "log_loss" not in drawn[4]  # margins, not probabilities


def test_the_distributions_feed_estimates_and_paired_tests(
    df: DataFrame, data: dict[str, np.ndarray], drawn: list[dict[str, np.ndarray]]
) -> None:
    tables = {c: score_table(df, "y", c, 1, "w") for c in ("a", "b")}
    reports = {c: report_from_table(t, c, 0.5, 0.95, 1) for c, t in tables.items()}
    counts = tables["a"].counts
    confusion = counts.confusion_at(0.5)
    a = reports["a"]
    values, notes = point_values(counts, confusion, a.roc, a.pr, True)
    estimates, _ = estimate_metrics(counts, confusion, values, notes, 0.95, drawn[0])
    for name in CHECKED:
        estimate = estimates[name]
        assert estimate.method == "bootstrap"
        assert estimate.ci_low is not None
        assert estimate.ci_high is not None
        assert estimate.ci_low < values[name] < estimate.ci_high, name
    agreement, _ = paired_agreement(data["y"] == 1, data["a"], data["b"], 0.5)
    deltas = {name: drawn[1][name] - drawn[0][name] for name in drawn[0]}
    tests = PairedTests(
        agreement,
        undefined_delong(),
        mcnemar(agreement.baseline_only, agreement.challenger_only),
        True,
        resampled=deltas,
    )
    paired = model_comparison("b", "a", reports, tests, 0.95)
    auc = paired.deltas["roc_auc"]
    assert auc.method == "bootstrap"
    assert auc.ci_low is not None
    assert auc.ci_high is not None
    assert auc.delta is not None
    assert auc.ci_low < auc.delta < auc.ci_high
    assert auc.verdict == "worse"  # b sees half the signal, through noise


def _spreads(drawn: list[dict[str, np.ndarray]]) -> dict[str, float]:
    """SD of each checked metric of model a and, when drawn holds b, of the difference b - a."""
    out = {}
    for name in CHECKED:
        out[f"a.{name}"] = float(np.nanstd(drawn[0][name], ddof=1))
        if len(drawn) > 1:
            out[f"b-a.{name}"] = float(np.nanstd(drawn[1][name] - drawn[0][name], ddof=1))
    return out


@pytest.fixture(scope="module")
def memory_spreads(data: dict[str, np.ndarray]) -> dict[str, float]:
    """The in-memory (multinomial) bootstrap's SDs, 2000 resamples, as _spreads."""
    scores = {"a": data["a"], "b": data["b"]}
    comparison = compare(data["y"], scores, sample_weight=data["w"], n_boot=2000, random_state=7)
    config = settings(0.5, 0.95, 2000, 7, 1, frozenset(), "bootstrap")
    memory = evaluate_models(data["y"] == 1, scores, data["w"], config).distributions
    assert memory is not None
    out = {}
    for name in CHECKED:
        resampled = comparison.comparisons["b"].deltas[name].resampled
        assert resampled is not None
        out[f"a.{name}"] = float(np.nanstd(memory[0][name], ddof=1))
        out[f"b-a.{name}"] = float(np.nanstd(resampled, ddof=1))
    return out


def _ratios(drawn: list[dict[str, np.ndarray]], memory: dict[str, float]) -> dict[str, float]:
    return {key: value / memory[key] for key, value in _spreads(drawn).items()}


def test_the_spread_is_the_in_memory_bootstrap_s(
    drawn: list[dict[str, np.ndarray]], memory_spreads: dict[str, float]
) -> None:
    ratios = _ratios(drawn[:2], memory_spreads)
    print("SD ratio, Poisson / multinomial:", {k: round(v, 3) for k, v in ratios.items()})
    for key, ratio in ratios.items():
        assert abs(ratio - 1.0) < TOLERANCE, (key, ratio)


def test_the_tolerance_tells_a_wrong_bootstrap_apart(
    df: DataFrame, memory_spreads: dict[str, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyspark.sql import functions as F

    # weights ignored: every row counts as much, the spread shrinks by about sqrt(3)
    unweighted = _ratios(_draw(df, ["a"], weight_col=None), memory_spreads)
    print("weights ignored:", {k: round(v, 3) for k, v in unweighted.items()})
    assert all(ratio < 1.0 - TOLERANCE for ratio in unweighted.values()), unweighted

    # a row drawn at most once (m = 1 where Poisson(1) > 0): the right mean but too little
    # variance, Var(m) / E[m]^2 = e^-1 / (1 - e^-1), so the spread shrinks to about 0.76; at
    # B = 200 one metric's ratio may land near the tolerance, their mean does not
    def at_most_once(u: Column) -> Column:
        return (u >= F.lit(math.exp(-1.0))).cast("int")

    monkeypatch.setattr(spark_bootstrap, "_multiplicity", at_most_once)
    once = _ratios(_draw(df, ["a"]), memory_spreads)
    print("drawn at most once:", {k: round(v, 3) for k, v in once.items()})
    assert np.mean(list(once.values())) < 1.0 - TOLERANCE, once

    # every row exactly once: every resample is the data itself
    monkeypatch.setattr(spark_bootstrap, "_multiplicity", lambda u: F.lit(1))
    same = _draw(df, ["a"])
    assert all(np.ptp(values) == 0.0 for values in same[0].values())
    assert all(ratio < 1e-9 for ratio in _ratios(same, memory_spreads).values())


def test_equal_rows_are_drawn_independently(
    spark: SparkSession, data: dict[str, np.ndarray]
) -> None:
    # every row twice: half the spread of the rows once; rows sharing their draws would keep it
    half = {name: values[: N // 2] for name, values in data.items() if name != "id"}
    twice = {name: np.concatenate([values, values]) for name, values in half.items()}
    got = _draw(frame(spark, **twice), ["a"])[0]
    config = settings(0.5, 0.95, 2000, 3, 1, frozenset(), "bootstrap")
    memory = evaluate_models(twice["y"] == 1, {"a": twice["a"]}, twice["w"], config)
    assert memory.distributions is not None
    for name in CHECKED:
        ratio = np.std(got[name], ddof=1) / np.std(memory.distributions[0][name], ddof=1)
        assert abs(ratio - 1.0) < TOLERANCE, (name, ratio)


def test_with_a_row_id_the_draws_follow_the_id_alone(
    df: DataFrame, drawn: list[dict[str, np.ndarray]]
) -> None:
    from pyspark.sql import functions as F

    by_id = _draw(df, ["a"], row_id="id")[0]
    assert np.mean(by_id["roc_auc"] != drawn[0]["roc_auc"]) > 0.9
    # other columns, other partitions, and every weight times 2**-100: the weights are summed
    # as integers in units of a power of two below the largest, so nothing changes, to the bit
    scaled = (F.col("w") * F.lit(2.0**-100)).alias("w")
    narrow = df.select(scaled, "a", "y", "id").repartition(3)
    _same(_draw(narrow, ["a"], row_id="id")[0], by_id)


def test_too_many_cells_are_refused_before_resampling(
    df: DataFrame, data: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("the resampling pass ran")

    monkeypatch.setattr(spark_bootstrap, "_resampled_groups", never)
    distinct = np.unique(data["a"]).size + np.unique(data["b"]).size
    with pytest.raises(DataError, match="max_cells") as raised:
        _draw(df, ["a", "b"], max_cells=B * distinct - 1)
    message = str(raised.value)
    assert f"{B * distinct:,}" in message
    assert "--n-boot" in message
    assert "round the scores" in message


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"n_boot": 0}, "n_boot"),
        ({"n_boot": True}, "n_boot"),
        ({"n_boot": 2.5}, "n_boot"),
        ({"labels_only": [False, False]}, "one entry per score column"),
        ({"row_id": "nope"}, "nope"),
        ({"weight_col": "nope"}, "nope"),
    ],
)
def test_bad_arguments_are_refused(df: DataFrame, options: dict[str, Any], match: str) -> None:
    with pytest.raises(DataError, match=match):
        _draw(df, ["a"], **options)


def test_a_labels_only_column_must_hold_labels(df: DataFrame) -> None:
    with pytest.raises(DataError, match="labels-only"):
        _draw(df, ["a"], labels_only=[True])


def _binomial_auc(trials: int, negative: float, positive: float) -> float:
    """P(S+ > S-) + P(S+ = S-) / 2 for S ~ Binomial(trials, p) / trials in each class."""
    k = np.arange(trials + 1)
    p0, p1 = stats.binom.pmf(k, trials, negative), stats.binom.pmf(k, trials, positive)
    below = np.concatenate(([0.0], np.cumsum(p0)[:-1]))
    return float(np.sum(p1 * (below + 0.5 * p0)))


@pytest.mark.slow
def test_percentile_intervals_of_weighted_auc_cover_the_population_value(
    spark: SparkSession,
) -> None:
    """100 data sets from one population: 10 frames of 1000 weighted rows, each with 10
    models' scores drawn independently given the label (each model's AUC is unbiased for the
    population's given the labels and weights, whose variance it averages over)."""
    frames, models, n = 10, 10, 1000
    auc = _binomial_auc(10, 0.35, 0.5)
    covered = 0
    for f in range(frames):
        rng = np.random.default_rng(100 + f)
        y = rng.random(n) < 0.3
        w = rng.gamma(0.5, 2.0, n)
        scores = {f"s{k}": rng.binomial(10, np.where(y, 0.5, 0.35)) / 10.0 for k in range(models)}
        table = pa.table({"y": y.astype(np.int64), "w": w, **scores})
        got = poisson_distributions(
            spark.createDataFrame(table), "y", list(scores), pos_label=1, weight_col="w",
            threshold=0.5, probabilities=[True] * models, labels_only=[False] * models,
            n_boot=B, seed=f,
        )  # fmt: skip
        for values in got:
            interval = percentile_interval(values["roc_auc"], 0.95)
            covered += interval.low <= auc <= interval.high
    print(f"95% percentile intervals covering the population AUC {auc:.4f}: {covered} of 100")
    assert 89 <= covered <= 99
