"""Registered MLflow versions scored on a Spark test set: stable row ids, the fingerprint, the
Parquet score store, and scores equal to the in-memory engine's (a real sqlite MLflow store, a
real local Spark session)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from champion.data import load_dataset
from champion.errors import DataError, ModelError
from champion.models import MlflowRegistry
from champion.models.publishing import fluent_uri
from champion.models.spark_udf import prepare_model_copy
from champion.spark.rows import ROW_ID, read_test_set, sample_rows
from champion.spark.scoring import (
    ClassProbabilities,
    LabelIs,
    ParquetScores,
    ProbabilityAt,
    score_column,
)
from champion.workspace.scores import Scorer, ScoringPolicy
from champion.workspace.spark_scores import SparkScorer

pytestmark = pytest.mark.spark

FEATURES = ["x1", "x2", "x3"]
MODEL = "spark-scoring"
EXCLUDED = ["id", "y", "species", "a.note"]  # what is not a feature


@dataclass(frozen=True)
class Store:
    uri: str
    versions: dict[str, str]  # kind -> version
    data: Path  # the test set: one Parquet file of 240 rows in row groups of 40
    rows: pd.DataFrame  # its rows, in file order


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    noisy = x[:, 0] - 0.5 * x[:, 1] + rng.normal(size=n)
    y = (noisy > 0).astype("int64")
    species = np.where(noisy < -0.7, "a", np.where(noisy < 0.7, "b", "c"))
    ids = np.arange(n, dtype="int64") * 7 + 3
    features = dict(zip(FEATURES, x.T, strict=True))
    note = [f"row {i}" for i in range(n)]  # a dotted name is a column, not a struct's field
    return pd.DataFrame({"id": ids, **features, "y": y, "species": species, "a.note": note})


def _write(frame: pd.DataFrame, path: Path, row_group_size: int = 40) -> None:
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=row_group_size
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Four versions of one model in a sqlite store: a logistic regression (probabilities), a
    linear SVM (labels only), a LightGBM classifier (whose python_function returns labels
    while its native flavour gives probabilities) and a multiclass logistic regression."""
    import lightgbm
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    root = tmp_path_factory.mktemp("spark-scoring")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    train = _rows(300, seed=1)
    x, y = train[FEATURES], train["y"]
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("spark", artifact_location=(root / "artifacts").as_uri())
    client.create_registered_model(MODEL)
    versions: dict[str, str] = {}
    fitted = {
        "probability": LogisticRegression().fit(x, y),
        "label": LinearSVC().fit(x, y),
        "lightgbm": lightgbm.LGBMClassifier(n_estimators=10, verbose=-1).fit(x, y),
        "multiclass": LogisticRegression().fit(x, train["species"]),
    }
    with fluent_uri(uri), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind, model in fitted.items():
            log = mlflow.lightgbm.log_model if kind == "lightgbm" else mlflow.sklearn.log_model
            with mlflow.start_run(experiment_id=experiment):
                info = log(
                    model,
                    name="model",
                    signature=infer_signature(x, model.predict(x)),
                    pip_requirements=["mlflow", "scikit-learn"],
                )
            versions[kind] = str(mlflow.register_model(info.model_uri, MODEL).version)
    rows = _rows(240, seed=2)
    data = root / "test.parquet"
    _write(rows, data)
    return Store(uri, versions, data, rows)


@pytest.fixture(scope="module")
def registry(store: Store) -> MlflowRegistry:
    return MlflowRegistry(store.uri, store.uri)


def _by_id(frame: DataFrame, *columns: str) -> pd.DataFrame:
    return frame.select(ROW_ID, *columns).toPandas().sort_values(ROW_ID).reset_index(drop=True)


@pytest.fixture
def split_files(spark: SparkSession) -> Iterator[None]:
    """Spark reads each file as several partitions (a few row groups each)."""
    spark.conf.set("spark.sql.files.maxPartitionBytes", "1500")
    yield
    spark.conf.unset("spark.sql.files.maxPartitionBytes")


# reading ------------------------------------------------------------------------------------


def test_row_ids_are_file_positions_and_stay_put(spark: SparkSession, store: Store) -> None:
    first = read_test_set(spark, str(store.data))
    again = read_test_set(spark, str(store.data.parent / "test.parquet"))
    assert (first.n, first.columns) == (240, ("id", *FEATURES, "y", "species", "a.note"))
    assert first.files == (store.data.as_uri(),)
    rows = _by_id(first.frame, "id", "x1")
    assert rows[ROW_ID].tolist() == list(range(240))  # one file: ordinal 0, the row's position
    assert rows["id"].tolist() == store.rows["id"].tolist()
    pd.testing.assert_frame_equal(_by_id(again.frame, "id", "x1"), rows)
    assert again.fingerprint == first.fingerprint
    sample = sample_rows(first, 5)
    assert list(sample.columns) == ["id", *FEATURES, "y", "species", "a.note", ROW_ID]
    assert sample[ROW_ID].tolist() == [0, 1, 2, 3, 4]


def test_a_file_read_as_several_partitions_keeps_its_ids(
    spark: SparkSession, store: Store, split_files: None
) -> None:
    whole = read_test_set(spark, str(store.data))
    assert whole.frame.rdd.getNumPartitions() > 1
    rows = _by_id(whole.frame, "id")
    assert rows[ROW_ID].tolist() == list(range(240))
    assert rows["id"].tolist() == store.rows["id"].tolist()


def test_ids_of_several_files_and_a_user_row_id(
    spark: SparkSession, store: Store, tmp_path: Path
) -> None:
    # the same rows rewritten as three files in another order
    shuffled = store.rows.sample(frac=1.0, random_state=0).reset_index(drop=True)
    folder = tmp_path / "rewritten"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(240), 3)):
        _write(shuffled.iloc[part], folder / f"part-{i}.parquet")
    derived = read_test_set(spark, str(folder))
    ids = _by_id(derived.frame, "id")
    assert len(derived.files) == 3
    assert ids[ROW_ID].tolist() == [f << 40 | r for f in range(3) for r in range(80)]
    assert ids["id"].tolist() == shuffled["id"].tolist()
    # derived ids follow the files: rewritten rows are other ids, so another fingerprint
    assert derived.fingerprint != read_test_set(spark, str(store.data)).fingerprint
    # the user's ids follow the rows, whatever the files
    mine = read_test_set(spark, str(folder), row_id="id")
    theirs = read_test_set(spark, str(store.data), row_id="id")
    assert mine.fingerprint == theirs.fingerprint
    pairs = _by_id(mine.frame, "id")
    assert (pairs[ROW_ID] == pairs["id"]).all()


def test_the_fingerprint_changes_when_one_value_does(
    spark: SparkSession, store: Store, tmp_path: Path
) -> None:
    changed = store.rows.copy()
    changed.loc[117, "x2"] += 1e-12
    _write(changed, tmp_path / "changed.parquet")
    _write(store.rows, tmp_path / "same.parquet", row_group_size=100)
    original = read_test_set(spark, str(store.data)).fingerprint
    assert read_test_set(spark, str(tmp_path / "same.parquet")).fingerprint == original
    assert read_test_set(spark, str(tmp_path / "changed.parquet")).fingerprint != original


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("dup", r"'dup' .* is not unique: 1 of 240 rows repeat"),
        ("gap", r"'gap' .* is missing in 1 of 240 rows"),
        ("x1", r"'x1' .* is double; it must be integral"),
        ("nope", r"'nope' is not in"),
    ],
)
def test_a_bad_user_row_id_is_refused(
    spark: SparkSession, store: Store, tmp_path: Path, column: str, message: str
) -> None:
    rows = store.rows.assign(dup=np.arange(240), gap=pd.array(np.arange(240), dtype="Int64"))
    rows.loc[5, "dup"] = 4
    rows.loc[9, "gap"] = pd.NA
    _write(rows, tmp_path / "ids.parquet")
    with pytest.raises(DataError, match=message):
        read_test_set(spark, str(tmp_path / "ids.parquet"), row_id=column)


def test_missing_unreadable_and_delta_sources_are_data_errors(
    spark: SparkSession, tmp_path: Path
) -> None:
    with pytest.raises(DataError, match=r"no test set at .*does not exist"):
        read_test_set(spark, str(tmp_path / "absent.parquet"))
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match=r"cannot read .*bad\.parquet"):
        read_test_set(spark, str(tmp_path / "bad.parquet"))
    (tmp_path / "table" / "_delta_log").mkdir(parents=True)
    with pytest.raises(DataError, match=r"Delta.*spark\.jars\.packages=io\.delta:delta-spark"):
        read_test_set(spark, str(tmp_path / "table"))
    with pytest.raises(DataError, match="unknown test-set format"):
        read_test_set(spark, str(tmp_path / "table"), fmt="csv")
    # a session without Hadoop's S3 file system: what to add, and s3a:// for s3://
    with pytest.raises(DataError, match=r"hadoop-aws.*give 's3a://bucket/test-set/'"):
        read_test_set(spark, "s3://bucket/test-set/")


# the score column and the store -------------------------------------------------------------


def test_score_column_reads_probabilities_labels_and_classes(spark: SparkSession) -> None:
    rows = {
        ROW_ID: np.arange(6),
        "p": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        "v": ["1", "1.0", "0", "yes", None, "True"],  # what MLflow's UDF writes for labels
    }
    frame = spark.createDataFrame(pd.DataFrame(rows))

    @F.pandas_udf("array<double>")  # type: ignore[call-overload]
    def proba(rows: pd.DataFrame) -> pd.Series:
        return pd.Series([[1.0 - p, p] for p in rows["p"]])

    @F.pandas_udf("string")  # type: ignore[call-overload]
    def label(rows: pd.DataFrame) -> pd.Series:
        return rows["v"]

    def scores(udf: Any, output: Any, column: str = "score") -> list[Any]:
        found = score_column(frame, udf, ["p", "v"], output).orderBy(ROW_ID).toPandas()
        if column == "scores":
            return [list(v) for v in found[column]]
        return [None if v is None or v != v else v for v in found[column].tolist()]

    assert scores(proba, ProbabilityAt(1)) == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert scores(proba, ProbabilityAt(0)) == pytest.approx([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    assert scores(proba, ProbabilityAt(-1)) == scores(proba, ProbabilityAt(1))
    assert scores(proba, ProbabilityAt(2)) == [None] * 6
    assert scores(label, LabelIs("1")) == [1.0, 1.0, 0.0, 0.0, None, 0.0]
    assert scores(label, LabelIs("yes")) == [0.0, 0.0, 0.0, 1.0, None, 0.0]
    assert scores(label, LabelIs("True")) == [0.0, 0.0, 0.0, 0.0, None, 1.0]
    classes = scores(proba, ClassProbabilities(), "scores")
    assert classes[:2] == [pytest.approx([0.9, 0.1]), pytest.approx([0.8, 0.2])]


def test_the_store_keeps_a_table_only_when_complete(spark: SparkSession, tmp_path: Path) -> None:
    store = ParquetScores(str(tmp_path / "scores"))
    path = store.path("a" * 64, "b" * 64)
    assert path == f"{tmp_path}/scores/{'a' * 64}/{'b' * 64}"
    with pytest.raises(ValueError, match="not a hex digest"):
        store.path("../x", "b" * 64)
    frame = spark.range(10).select(F.col("id").alias(ROW_ID), (F.col("id") / 10).alias("score"))

    def refuse(written: DataFrame) -> None:
        assert written.count() == 10
        raise ModelError("probe differs")

    with pytest.raises(ModelError, match="probe differs"):
        store.write(frame, path, meta={"kind": "x"}, verify=refuse)
    assert not store.exists(spark, path)
    assert [p.name for p in (tmp_path / "scores" / ("a" * 64)).iterdir()] == []
    store.write(frame, path, meta={"kind": "probability", "classes": [0, 1]})
    assert store.exists(spark, path)
    assert store.meta(spark, path) == {"kind": "probability", "classes": [0, 1]}
    assert sorted(store.read(spark, path).toPandas()["score"]) == pytest.approx(np.arange(10) / 10)
    store.write(frame.limit(3), path)  # a second writer of the key: the first table stays
    assert store.read(spark, path).count() == 10


def test_a_model_failing_on_spark_is_a_model_error(spark: SparkSession, tmp_path: Path) -> None:
    @F.pandas_udf("array<double>")  # type: ignore[call-overload]
    def broken(rows: pd.DataFrame) -> pd.Series:
        raise ValueError("the model cannot read column x")

    frame = spark.range(4).select(F.col("id").alias(ROW_ID), F.col("id").alias("x"))
    store = ParquetScores(str(tmp_path / "scores"))
    path = store.path("c" * 64, "d" * 64)
    with pytest.raises(ModelError, match=r"failed while scoring on Spark: ValueError: the model"):
        store.write(score_column(frame, broken, ["x"], ProbabilityAt(1)), path)
    assert not store.exists(spark, path)
    with pytest.raises(DataError, match="no complete scores"):
        store.read(spark, path)


# scoring registered versions -----------------------------------------------------------------


def _in_memory(registry: MlflowRegistry, store: Store, kind: str) -> Any:
    resolved = registry.resolve(f"models:/{MODEL}/{store.versions[kind]}")
    dataset = load_dataset(store.data, target="y", features=FEATURES)
    return resolved, Scorer(registry, None, ScoringPolicy()).score(resolved, dataset)


@pytest.mark.parametrize(("kind", "classes"), [("probability", (0, 1)), ("label", (0, 1))])
def test_spark_scores_equal_the_in_memory_scores(
    spark: SparkSession, store: Store, registry: MlflowRegistry, tmp_path: Path,
    kind: str, classes: tuple[int, ...],
) -> None:  # fmt: skip
    resolved, memory = _in_memory(registry, store, kind)
    test_set = read_test_set(spark, str(store.data))
    scorer = SparkScorer(registry, ParquetScores(str(tmp_path / "scores")), ScoringPolicy(), 100)
    scored = scorer.score(resolved, test_set, pos_label=1, exclude=EXCLUDED)
    assert (scored.kind, scored.classes, scored.from_cache) == (kind, classes, False)
    assert scored.kind == memory.kind
    values = _by_id(scored.frame(spark), "score")
    assert values[ROW_ID].tolist() == list(range(240))
    np.testing.assert_allclose(values["score"].to_numpy(), memory.values, rtol=0, atol=1e-12)
    again = scorer.score(resolved, test_set, pos_label=1, exclude=EXCLUDED)
    assert again.from_cache
    assert (again.path, again.kind, again.classes, again.note) == (
        scored.path, scored.kind, scored.classes, scored.note,
    )  # fmt: skip


def test_class_probabilities_of_a_multiclass_model(
    spark: SparkSession, store: Store, registry: MlflowRegistry, tmp_path: Path
) -> None:
    resolved = registry.resolve(f"models:/{MODEL}/{store.versions['multiclass']}")
    test_set = read_test_set(spark, str(store.data))
    scorer = SparkScorer(registry, ParquetScores(str(tmp_path / "scores")), ScoringPolicy(), 60)
    # the probe's 60 rows were checked against the worker's probabilities before the table was kept
    scored = scorer.score(resolved, test_set, pos_label=None, task="multiclass", exclude=EXCLUDED)
    assert (scored.kind, scored.classes) == ("probability", ("a", "b", "c"))
    rows = _by_id(scored.frame(spark), "scores")
    values = np.stack(rows["scores"].to_numpy())
    assert values.shape == (240, 3)
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-12)


def test_a_model_scoring_otherwise_on_spark_is_refused(
    spark: SparkSession, store: Store, registry: MlflowRegistry, tmp_path: Path
) -> None:
    resolved = registry.resolve(f"models:/{MODEL}/{store.versions['lightgbm']}")
    scores = ParquetScores(str(tmp_path / "scores"))
    test_set = read_test_set(spark, str(store.data))
    scorer = SparkScorer(registry, scores, ScoringPolicy(), 50)
    with pytest.raises(ModelError, match=r"scores the test set differently .* 50 probe rows"):
        scorer.score(resolved, test_set, pos_label=1, exclude=EXCLUDED)
    digest = scorer.digest(resolved, 1, "binary", EXCLUDED)
    assert not scores.exists(spark, scores.path(test_set.fingerprint, digest))
    assert list((tmp_path / "scores" / test_set.fingerprint).iterdir()) == []


def test_the_model_copy_predicts_probabilities_with_champions_types(
    store: Store, registry: MlflowRegistry, tmp_path: Path
) -> None:
    resolved = registry.resolve(f"models:/{MODEL}/{store.versions['probability']}")
    model_dir = registry.download(resolved, tmp_path / "download")
    copy = prepare_model_copy(model_dir, tmp_path / "work", "predict_proba", trusted_types=["a.B"])
    flavours = yaml.safe_load((copy / "MLmodel").read_text())["flavors"]
    assert flavours["python_function"]["predict_fn"] == "predict_proba"
    assert "a.B" in flavours["sklearn"]["skops_trusted_types"]
    assert (
        yaml.safe_load((model_dir / "MLmodel").read_text())["flavors"]["python_function"][
            "predict_fn"
        ]
        == "predict"
    )  # the download is left as it was
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    del mlmodel["flavors"]["python_function"]
    (model_dir / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    with pytest.raises(ModelError, match="no python_function flavour"):
        prepare_model_copy(model_dir, tmp_path / "work", "predict_proba")
