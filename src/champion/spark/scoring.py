"""Scores of a model on a Spark test set: what its scoring UDF returns, turned into champion's
score, and the Parquet store that keeps them (one table per test set and model).

A scoring UDF (``mlflow.pyfunc.spark_udf``, built by champion.models.spark_udf) takes the
feature columns as one struct and returns, per row, what the model's predict function returns.
An output says how that becomes champion's score:

- ProbabilityAt(i): array<double> per row (predict_proba's row, or a one-element array for a
  model returning one probability); the score is element i (0-based, negative from the end).
- LabelIs(text): string per row (a predicted label); the score is 1.0 where the label is the
  positive one, else 0.0 (labels-only models, as champion.models.worker reads them).
- ClassProbabilities(): array<double> per row, kept whole as "scores" (multiclass).

The scores table has two columns, ROW_ID (long) and "score" (double; "scores" array<double>
for multiclass); it is joined back to the test set by ROW_ID.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from champion.errors import DataError, ModelError
from champion.spark.rows import (
    ROW_ID,
    column,
    hadoop_path,
    is_connect,
    path_exists,
    spark_message,
    to_pandas,
)
from champion.spark.session import require_pyspark

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession

SCORE = "score"
SCORES = "scores"  # the multiclass column: one probability per class, in the model's order
SUCCESS = "_SUCCESS"
# the description: a folder, as Spark writes a one-line text dataset (a part file and its own
# _SUCCESS); Spark's readers skip names starting with "_", so the table stays clean
META = "_champion.json"
_META_PART = "part-00000"
_HEX = re.compile(r"[0-9a-f]{16,128}")
_PYTHON_ERROR_LINES = 3


@dataclass(frozen=True)
class ProbabilityAt:
    """The positive class's probability: element ``index`` (0-based; -1 is the last) of the
    array<double> the UDF returns per row."""

    index: int
    result_type: ClassVar[str] = "array<double>"


@dataclass(frozen=True)
class LabelIs:
    """Labels only: 1.0 where the predicted label, as text, is ``pos_label`` (numbers compare
    by value, so "1" and "1.0" are the same label), else 0.0; null where the model gave none."""

    pos_label: str
    result_type: ClassVar[str] = "string"


@dataclass(frozen=True)
class ClassProbabilities:
    """Multiclass: the whole array<double> of class probabilities, in the model's class order,
    as the column "scores"."""

    result_type: ClassVar[str] = "array<double>"


ScoreOutput = ProbabilityAt | LabelIs | ClassProbabilities


def score_column(
    frame: DataFrame, udf: Any, features: Sequence[str], output: ScoreOutput
) -> DataFrame:
    """(ROW_ID, "score") of every row of frame, or (ROW_ID, "scores") for ClassProbabilities:
    udf applied to the struct of the feature columns (so the model sees them by name, in this
    order), its result turned into champion's score as output says. Lazy: nothing runs yet."""
    require_pyspark()
    from pyspark.sql import functions as F

    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise DataError(f"the test set has no column {', '.join(map(repr, missing))} to score.")
    raw = udf(F.struct(*(column(f) for f in features)))
    if isinstance(output, ClassProbabilities):
        return frame.select(F.col(ROW_ID), raw.alias(SCORES))
    if isinstance(output, ProbabilityAt):
        # element_at counts from 1 (and from -1 backwards); try_: a short row gives null, which
        # the probe check and the evaluation's missing-score check then report
        position = output.index + 1 if output.index >= 0 else output.index
        value = F.try_element_at(raw, F.lit(position))
    else:
        value = _label_score(raw, output.pos_label)
    return frame.select(F.col(ROW_ID), value.cast("double").alias(SCORE))


def _label_score(label: Column, pos_label: str) -> Column:
    from pyspark.sql import functions as F

    match = label == F.lit(pos_label)
    number = _number(pos_label)
    if number is not None:
        # MLflow writes a label as str() of its value: 1 -> "1", 1.0 -> "1.0"
        match = match | (label.try_cast("double") == F.lit(number))
    return F.when(label.isNull(), F.lit(None)).when(match, F.lit(1.0)).otherwise(F.lit(0.0))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def scores_of_rows(scores: DataFrame, last_id: int) -> pd.DataFrame:
    """The rows of a scores table whose ROW_ID <= last_id, ordered by ROW_ID (pandas), e.g.
    the probe rows, which are the test set's smallest ids."""
    require_pyspark()
    from pyspark.sql import functions as F

    return to_pandas(scores.filter(F.col(ROW_ID) <= F.lit(int(last_id))).orderBy(ROW_ID))


def read_scores(spark: SparkSession, path: str) -> DataFrame:
    """The scores table at path, (ROW_ID, "score") or (ROW_ID, "scores"); DataError when no
    complete table is there."""
    require_pyspark()
    if not complete(spark, path):
        raise DataError(f"there are no complete scores at {path!r}; score the model again.")
    return spark.read.parquet(path)


def complete(spark: SparkSession, path: str) -> bool:
    """Whether a complete table is at path: its _SUCCESS marker, and its description (the
    _champion.json folder with its own _SUCCESS; a classic session also takes the single
    _champion.json file tables had before, which Spark Connect cannot read: Spark's readers
    skip a file whose name starts with "_" even when it is named)."""
    if not path_exists(spark, f"{path}/{SUCCESS}"):
        return False
    if path_exists(spark, f"{path}/{META}/{SUCCESS}"):
        return True
    if is_connect(spark):
        return False
    fs, file = hadoop_path(spark, f"{path}/{META}")
    return bool(fs.isFile(file))


class ParquetScores:
    """Scores tables under root (a local folder or any Hadoop URI), one per test set and model:
    ``root/<test set fingerprint>/<model digest>/``, each with its description next to the
    Parquet parts (``_champion.json/``, a one-line JSON text dataset: a part file and its
    ``_SUCCESS``) and a ``_SUCCESS`` marker; readers trust a table only with both.

    In a classic session (the JVM at hand), writes are safe against concurrent writers of the
    same key and against a crash: Spark writes into a unique hidden sibling; the sibling is
    renamed into place through the Hadoop FileSystem; only then is ``_SUCCESS`` created.
    Relying on Spark's own _SUCCESS alone would not do: mode("overwrite") first deletes what
    another writer may have just committed, and a reader could list a half-written folder.
    The marker is created after the rename (not carried along by it) because rename is not
    atomic on every store: on s3a it copies file by file, so a marker inside the renamed
    folder could arrive before the parts. Two writers of one key write the same scores (the
    key names the test set's content and the model), so the first complete one wins and the
    other is dropped.

    Over Spark Connect there is no file system to call (see _write_in_place): the table is
    written straight to its place, Spark's _SUCCESS marks the parts, and the description,
    written last, completes it.
    """

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")

    def path(self, dataset_fingerprint: str, model_digest: str) -> str:
        """Where the scores of the model (model_digest) on the test set are kept."""
        for part in (dataset_fingerprint, model_digest):
            if not _HEX.fullmatch(part):
                raise ValueError(f"{part!r} is not a hex digest")
        return f"{self.root}/{dataset_fingerprint}/{model_digest}"

    def exists(self, spark: SparkSession, path: str) -> bool:
        """Whether a complete table (its _SUCCESS marker and its description) is at path."""
        require_pyspark()
        return complete(spark, path)

    def read(self, spark: SparkSession, path: str) -> DataFrame:
        """The table at path: (ROW_ID, "score"), or (ROW_ID, "scores") for multiclass."""
        return read_scores(spark, path)

    def meta(self, spark: SparkSession, path: str) -> dict[str, Any]:
        """The description written with the table ({} when there is none)."""
        require_pyspark()
        folder = f"{path}/{META}"
        if not path_exists(spark, f"{folder}/{SUCCESS}"):
            text = None if is_connect(spark) else _classic_text(spark, folder, single=True)
        elif is_connect(spark):
            text = "".join(str(row[0]) for row in spark.read.text(folder).collect())
        else:
            text = _classic_text(spark, folder, single=False)
        if not text:
            return {}
        found = json.loads(text)
        return dict(found) if isinstance(found, dict) else {}

    def write(
        self,
        frame: DataFrame,
        path: str,
        *,
        meta: Mapping[str, Any] | None = None,
        verify: Callable[[DataFrame], None] | None = None,
    ) -> None:
        """Run frame (the scoring job) and keep it at path, with meta as its description.

        verify, given, is called with the written table before it is marked complete; when it
        raises, the table is never marked (a classic session also removes it) and its error
        propagates. A failure of the model on Spark becomes ModelError, any other failure to
        write DataError.
        """
        require_pyspark()
        spark = frame.sparkSession
        text = json.dumps(dict(meta or {}))
        if is_connect(spark):
            _write_in_place(spark, frame, path, text, verify)
            return
        fs, final = hadoop_path(spark, path)
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        hidden = f".{final.getName()}.tmp-{uuid.uuid4().hex}"
        temporary = jvm.org.apache.hadoop.fs.Path(final.getParent(), hidden)
        try:
            try:
                frame.write.mode("overwrite").parquet(temporary.toString())
            except Exception as exc:  # the model failed in a Python worker, or the store refused
                raise _write_error(exc, path) from None
            # Spark's marker says the job committed; the table's own marker comes after the rename
            fs.delete(_child(spark, temporary, SUCCESS), False)
            # the description as Spark writes a one-line text dataset, so Spark Connect reads it
            described = _child(spark, temporary, META)
            _write_bytes(fs, _child(spark, described, _META_PART), text.encode())
            _write_bytes(fs, _child(spark, described, SUCCESS), b"")
            if verify is not None:
                # the parts by name: Spark warns when the folder it is given is hidden (".")
                verify(spark.read.parquet(f"{temporary.toString()}/part-*"))
            self._commit(spark, fs, temporary, final, path)
        finally:
            if fs.exists(temporary):
                fs.delete(temporary, True)

    @staticmethod
    def _commit(spark: SparkSession, fs: Any, temporary: Any, final: Any, path: str) -> None:
        if complete(spark, path):
            return  # another writer of this key finished first: its table is the same
        if fs.exists(final):
            fs.delete(final, True)  # what an interrupted writer left, never marked complete
        fs.mkdirs(final.getParent())
        renamed = fs.rename(temporary, final)
        # a writer that renamed in between made ours a subfolder of its table (POSIX rename
        # semantics): hidden, so no reader sees it, but not to be left there
        nested = _child(spark, final, temporary.getName())
        if fs.exists(nested):
            fs.delete(nested, True)
        if not renamed and not fs.exists(final):
            raise DataError(f"cannot move the scores into {path!r}: the file system refused.")
        _write_bytes(fs, _child(spark, final, SUCCESS), b"")


def _write_in_place(
    spark: SparkSession,
    frame: DataFrame,
    path: str,
    text: str,
    verify: Callable[[DataFrame], None] | None,
) -> None:
    """ParquetScores.write over Spark Connect, where the client has the DataFrame API only: no
    hidden sibling, no rename, no delete. The parts are written straight to path (overwrite:
    what an interrupted or refused writer left there goes), Spark's own _SUCCESS marks them
    committed, verify reads them there, and the description is written last, as a one-line
    JSON text dataset whose own _SUCCESS completes the table (see complete).

    What this gives up against the classic write: the atomic put-in-place. A reader of the
    key while another process rewrites it can fail (the files vanish under it; it never takes
    half a table for a whole one, as the description comes last), and the parts of a table
    that verify refused stay in its folder, never marked complete, until the key is scored
    again. Two writers of one key write the same scores, so whichever finishes last leaves a
    complete table.
    """
    if complete(spark, path):
        return  # another writer of this key finished first: its table is the same
    try:
        frame.write.mode("overwrite").parquet(path)
    except Exception as exc:  # the model failed in a Python worker, or the store refused
        raise _write_error(exc, path) from None
    if verify is not None:
        verify(spark.read.parquet(path))
    description = spark.createDataFrame([(text,)], "value string").coalesce(1)
    try:
        description.write.mode("overwrite").text(f"{path}/{META}")
    except Exception as exc:  # the store refused
        raise DataError(
            f"cannot write the description of the scores at {path!r}: {spark_message(exc)}"
        ) from None


def _classic_text(spark: SparkSession, where: str, *, single: bool) -> str | None:
    """The text of the description at where, through the Hadoop FileSystem: the part files of
    the folder (single=False), or the one file older tables kept (single=True; None when
    there is no such file)."""
    fs, path = hadoop_path(spark, where)
    if single:
        files = [path] if fs.isFile(path) else []
    else:
        files = [status.getPath() for status in fs.globStatus(_child(spark, path, "part-*"))]
    if not files:
        return None
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    texts = []
    for file in sorted(files, key=lambda f: str(f.toString())):
        sink = jvm.java.io.ByteArrayOutputStream()
        jvm.org.apache.hadoop.io.IOUtils.copyBytes(fs.open(file), sink, 65536, True)
        texts.append(bytes(sink.toByteArray()).decode("utf-8").strip())
    return "".join(texts)


def _child(spark: SparkSession, parent: Any, name: str) -> Any:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    return jvm.org.apache.hadoop.fs.Path(parent, name)


def _write_bytes(fs: Any, path: Any, data: bytes) -> None:
    out = fs.create(path, True)
    try:
        out.write(bytearray(data))
    finally:
        out.close()


def _write_error(exc: BaseException, path: str) -> Exception:
    """ModelError when the UDF (the model) failed in a Python worker, else DataError."""
    from pyspark.errors import PythonException

    if isinstance(exc, PythonException):
        return ModelError(f"the model failed while scoring on Spark: {python_error(str(exc))}")
    return DataError(f"cannot write the scores to {path!r}: {spark_message(exc)}")


def python_error(text: str) -> str:
    """The last lines of the Python traceback in a PythonException's text (the exception and
    its message), without the JVM's stack that follows it."""
    text = text.split("JVM stacktrace:")[0]
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    # the exception line is the last one not indented (traceback frames are)
    heads = [i for i, line in enumerate(lines) if not line.startswith((" ", "\t"))]
    start = heads[-1] if heads else max(0, len(lines) - _PYTHON_ERROR_LINES)
    return " ".join(lines[start : start + _PYTHON_ERROR_LINES])[:1500]
