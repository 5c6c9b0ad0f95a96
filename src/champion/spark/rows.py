"""The test set as Spark reads it: every row with a stable row id, and a fingerprint of it.

Scores of a model are kept apart from the test set (champion.spark.scoring) and joined back to
it by row id, so the id must name the same row every time the same files are read, however
Spark splits them into partitions. With ``row_id`` the user's own integral, unique column is
that id. Without it the id is where the row lives:

    _champion_row = (ordinal of the file in the sorted list of input files) << 40
                    + (position of the row in its file: Parquet's _metadata.row_index)

so 2**23 files of up to 2**40 rows each. ``_metadata.row_index`` (Spark >= 3.5) counts rows
from the start of the file, not of the split a task reads, so it does not move when a file is
read as several partitions. Rewriting the files (another partitioning, another order) moves
rows to other files and positions: their derived ids change, and so does the fingerprint,
which includes them; pass ``row_id`` to keep ids across rewrites.

The fingerprint (sha256, hex) covers the column names and types, the number of rows n and a
checksum computed on the cluster in the same pass that counts and checks the rows: the sum
(mod 2**64) and the xor of xxhash64(every column, _champion_row) over the rows. Both are
order-free, so the fingerprint does not depend on partitioning; any changed value, or a row id
given to another row, changes it (up to hash collisions).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from champion.errors import DataError
from champion.spark.session import require_pyspark

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession

ROW_ID = "_champion_row"
FILE_SHIFT = 40  # bits of a row's position within its file
MAX_FILES = 1 << (63 - FILE_SHIFT)  # ordinals that keep the id a positive long
FORMATS = ("parquet", "delta")
DELTA_LOG = "_delta_log"
DELTA_PACKAGE = (
    "--spark-conf spark.jars.packages=io.delta:delta-spark_2.13:<version> "
    "--spark-conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension "
    "--spark-conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog"
)
_FINGERPRINT_FORMAT = 1
# "file:/a" and "file:///a" name the same file; Spark writes the first in _metadata.file_path
# and the second in inputFiles(): both sides are brought to the "scheme:///" form
_SINGLE_SLASH = r"^([A-Za-z][A-Za-z0-9+.-]*):/(?!/)"
_FILE = "_champion_file"
_POSITION = "_champion_position"
_ORDINAL = "_champion_ordinal"
_UINT64 = 1 << 64
_NO_TEST_SET = (
    "there is no test set at {source!r}: the path does not exist. Give a Parquet file, a folder "
    "of Parquet files or a Delta table folder (local or a Hadoop URI)."
)
# (the frame to keep, the frame the checking pass aggregates, the checking aggregates)
_WithIds = tuple["DataFrame", "DataFrame", list["Column"]]


@dataclass(frozen=True, eq=False)
class SparkTestSet:
    """A test set read by Spark.

    frame: DataFrame of every column of the file(s) (``columns``, in the file's order) plus
    ROW_ID (LongType, unique, stable; see the module docstring), n rows, not cached.
    source: the path or URI as given; files: the input files Spark read, sorted;
    fingerprint: sha256 hex of the columns, their types, n and the content checksum.

    Compared by identity (``eq=False``): compare ``fingerprint`` to know whether two test sets
    hold the same rows with the same ids.
    """

    frame: DataFrame
    source: str
    files: tuple[str, ...]
    n: int
    columns: tuple[str, ...]
    fingerprint: str


def is_connect(spark: SparkSession) -> bool:
    """Whether spark is a Spark Connect session (SparkSession.builder.remote(...), Databricks
    Connect): a client of a server whose JVM, and Hadoop file systems, this process cannot
    reach; only the DataFrame API is at hand."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def hadoop_path(spark: SparkSession, uri: str) -> tuple[Any, Any]:
    """(Hadoop FileSystem, Path) of uri, through the JVM gateway, so that every scheme the
    session can read (file:, hdfs:, s3a:, abfss:, ...) works; DataError when the session has
    no file system for the scheme (e.g. s3a:// without the hadoop-aws package). A classic
    session only: Spark Connect has no JVM gateway (see path_exists)."""
    if is_connect(spark):
        raise TypeError("hadoop_path needs a classic SparkSession, not a Spark Connect one")
    jvm = spark.sparkContext._jvm
    assert jvm is not None  # a classic session has its JVM at hand
    path = jvm.org.apache.hadoop.fs.Path(uri)
    try:
        fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    except Exception as exc:  # py4j wraps the JVM's IOException
        # getFileSystem fails when the session has no file system for the scheme
        why = _no_file_system(exc, True)
        if uri.startswith("s3://"):
            why += f" Most Spark sessions read S3 as s3a://: give {'s3a://' + uri[5:]!r}."
        raise DataError(f"Spark cannot open {uri!r}: {why}") from None
    return fs, path


def path_exists(spark: SparkSession, uri: str, source: str | None = None) -> bool:
    """Whether uri (perhaps a glob) names a file or folder, as the session's file systems see
    it. Classic: the Hadoop FileSystem through the JVM. Spark Connect: the server is asked to
    plan a read of it (the binaryFile source, whose schema is fixed: nothing is read, an empty
    folder counts), and Spark's PATH_NOT_FOUND means no. DataError (naming source, default
    uri) when the store cannot be looked at (no file system for the scheme, no permission)."""
    where = source or uri
    if not is_connect(spark):
        fs, path = hadoop_path(spark, uri)
        return _exists(fs, path, where)
    try:
        spark.read.format("binaryFile").load(uri).schema  # noqa: B018 (asks the server)
    except Exception as exc:  # AnalysisException, or the server's file-system errors
        if error_condition(exc) == "PATH_NOT_FOUND":
            return False
        raise DataError(f"Spark cannot look at {where!r}: {_no_file_system(exc)}") from None
    return True


def error_condition(exc: BaseException) -> str | None:
    """Spark's error condition of exc ("PATH_NOT_FOUND", ...), or None for another error."""
    condition = getattr(exc, "getCondition", None)
    if callable(condition):
        try:
            found = condition()
        except Exception:  # an exception without a condition
            return None
        return str(found) if found else None
    return None


def _no_file_system(exc: BaseException, certain: bool = False) -> str:
    """spark_message(exc), with what to add when the session has no file system for a scheme
    (certain: the caller knows that is the failure; else told by Hadoop's message)."""
    why = spark_message(exc)
    if certain or "No FileSystem for scheme" in str(exc):
        why += (
            ". For s3a:// add the hadoop-aws package to the session (--spark-conf "
            "spark.jars.packages=org.apache.hadoop:hadoop-aws:<the Hadoop version of your "
            "Spark>; on a Spark Connect server, to the server's own configuration) and its "
            "credentials."
        )
    return why


def read_test_set(
    spark: SparkSession, source: str, *, fmt: str | None = None, row_id: str | None = None
) -> SparkTestSet:
    """Read a Parquet file or folder, or a Delta table, as a SparkTestSet (one pass over the
    rows: count, checks, checksum).

    source: a local path or any Hadoop URI (s3a://, hdfs://, ...). fmt: "parquet" or "delta";
    None detects Delta by the folder's _delta_log. row_id: an integral column of unique,
    non-null values to use as ROW_ID; None derives ROW_ID from each row's file and position.

    Raises DataError for a missing path, a file Spark cannot read, a Delta table in a session
    without Delta, an unknown fmt, a bad row_id column, a file already holding ROW_ID, or a
    Delta table whose rows have no file position (pass row_id).
    """
    require_pyspark()
    from pyspark.sql import functions as F

    if fmt is not None and fmt not in FORMATS:
        raise DataError(f"unknown test-set format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    # on Spark Connect the read itself says whether the path exists (see _read): a separate
    # look would make the server list every file of the test set twice
    if not is_connect(spark) and not path_exists(spark, source):
        raise DataError(_NO_TEST_SET.format(source=source))
    if fmt is None:
        delta_log = f"{source.rstrip('/')}/{DELTA_LOG}"
        fmt = "delta" if path_exists(spark, delta_log, source) else "parquet"
    frame = _read(spark, source, fmt)
    columns = tuple(frame.columns)
    if ROW_ID in columns:
        raise DataError(
            f"{source!r} already has a column {ROW_ID!r}, which champion adds itself; rename it."
        )
    files = tuple(sorted(frame.inputFiles()))
    if row_id is not None:
        framed, checked, checks = _user_row_id(frame, row_id, source)
    else:
        framed, checked, checks = _derived_row_id(spark, frame, files, source, fmt)
    hashed = F.xxhash64(*(_hashable(frame, c) for c in columns), column(ROW_ID))
    aggregates = [
        F.count(F.lit(1)).alias("n"),
        F.sum(hashed.cast("decimal(38,0)")).alias("hash_sum"),
        F.bit_xor(hashed).alias("hash_xor"),
        *checks,
    ]
    try:
        found_row = checked.agg(*aggregates).collect()[0].asDict()
    except Exception as exc:  # a corrupt or vanished file, a permission error: Spark's own errors
        raise DataError(f"Spark cannot read the rows of {source!r}: {spark_message(exc)}") from None
    n = int(found_row["n"])
    _raise_bad_ids(found_row, n, row_id, source)
    types = [[c, frame.schema[c].dataType.simpleString()] for c in columns]
    text = json.dumps(
        [
            _FINGERPRINT_FORMAT,
            types,
            n,
            row_id,
            int(found_row["hash_sum"] or 0) % _UINT64,
            int(found_row["hash_xor"] or 0) % _UINT64,
        ]
    )
    fingerprint = hashlib.sha256(text.encode()).hexdigest()
    return SparkTestSet(framed, source, files, n, columns, fingerprint)


def sample_rows(test_set: SparkTestSet, n: int = 1000) -> pd.DataFrame:
    """The rows with the n smallest ROW_IDs, ordered by ROW_ID: a pandas DataFrame (min(n,
    test_set.n) rows x the file's columns plus ROW_ID), for probing a model on the driver."""
    require_pyspark()
    chosen = [column(c) for c in (*test_set.columns, ROW_ID)]
    # orderBy + limit runs as one top-n per partition, not a full sort
    rows = test_set.frame.select(*chosen).orderBy(column(ROW_ID)).limit(max(0, int(n)))
    return to_pandas(rows).reset_index(drop=True)


def to_pandas(frame: DataFrame) -> pd.DataFrame:
    """frame.toPandas() without what Spark Connect attaches to it: its plan's metrics in the
    pandas frame's attrs, which pandas would carry into every copy and pyarrow cannot write."""
    found = frame.toPandas()
    found.attrs.clear()
    return found


def _exists(fs: Any, path: Any, source: str) -> bool:
    """Whether path (perhaps a glob) names anything."""
    try:
        matches = fs.globStatus(path)
    except Exception as exc:  # permission denied, unreachable store
        raise DataError(f"Spark cannot look at {source!r}: {spark_message(exc)}") from None
    return matches is not None and len(matches) > 0


def _read(spark: SparkSession, source: str, fmt: str) -> DataFrame:
    """The DataFrame of source, its schema known (Spark Connect plans a read lazily: asking
    for the schema is what makes the server open the files)."""
    try:
        if fmt == "delta":
            frame = spark.read.format("delta").load(source)
        else:
            frame = spark.read.parquet(source)
        frame.schema  # noqa: B018 (Spark Connect: plans the read now, so its errors are here)
    except Exception as exc:  # a missing path, not Parquet, an empty folder, no Delta package
        raise _read_error(exc, source, fmt) from None
    return frame


def _read_error(exc: BaseException, source: str, fmt: str) -> DataError:
    why = spark_message(exc)
    if error_condition(exc) == "PATH_NOT_FOUND":
        return DataError(_NO_TEST_SET.format(source=source))
    if fmt == "delta":
        # DATA_SOURCE_NOT_FOUND, a missing extension, a bad log
        if "DATA_SOURCE_NOT_FOUND" not in str(exc) and "delta" not in why.lower():
            return DataError(f"Spark cannot read {source!r} as a Delta table: {why}")
        return DataError(
            f"Spark cannot read {source!r} as a Delta table ({why}). Reading Delta needs "
            f"the Delta Lake package in the Spark session, e.g. {DELTA_PACKAGE}, with the "
            "delta-spark version made for your Spark (over Spark Connect, in the server's "
            "own configuration)."
        )
    return DataError(
        f"Spark cannot read {source!r} as Parquet ({why}). Give a Parquet file or a folder of "
        "Parquet files (fmt='delta' for a Delta table)."
    )


def _user_row_id(frame: DataFrame, row_id: str, source: str) -> _WithIds:
    """ROW_ID copied from the user's column, and the aggregates checking it (nulls, distinct
    values) in the fingerprint's pass."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegralType

    if row_id not in frame.columns:
        listed = ", ".join(frame.columns[:20])
        raise DataError(
            f"the row id column {row_id!r} is not in {source!r} (columns: {listed}); pass "
            "row_id= with an integral column that is unique per row, or leave it out to use "
            "each row's file and position."
        )
    kind = frame.schema[row_id].dataType
    if not isinstance(kind, IntegralType):
        raise DataError(
            f"the row id column {row_id!r} of {source!r} is {kind.simpleString()}; it must be "
            "integral (int, long, ...), unique and never missing."
        )
    ids = column(row_id)
    framed = frame.withColumn(ROW_ID, ids.cast("long"))
    checks = [
        F.sum(F.when(ids.isNull(), F.lit(1)).otherwise(F.lit(0))).alias("null_ids"),
        F.count_distinct(ids).alias("distinct_ids"),
    ]
    return framed, framed, checks


def _derived_row_id(
    spark: SparkSession, frame: DataFrame, files: tuple[str, ...], source: str, fmt: str
) -> _WithIds:
    """ROW_ID from each row's file ordinal and position (see the module docstring), and the
    aggregates checking that every row found its file and fits in FILE_SHIFT bits (run on the
    second frame, which keeps the position as a helper column the first one drops)."""
    from pyspark.sql import functions as F

    if len(files) >= MAX_FILES:
        raise DataError(
            f"{source!r} has {len(files)} files, more than the {MAX_FILES - 1} a derived row "
            "id can tell apart; pass row_id= with a unique integral column."
        )
    try:
        metadata = frame.metadataColumn("_metadata")
        located = frame.select(
            "*",
            F.regexp_replace(metadata.getField("file_path"), _SINGLE_SLASH, "$1:///").alias(_FILE),
            metadata.getField("row_index").alias(_POSITION),
        )
        located.schema  # noqa: B018 (Spark Connect: resolves the metadata columns now)
    except Exception as exc:  # a reader without row positions (some Delta versions)
        raise DataError(
            f"Spark's {fmt} reader gives no row positions for {source!r} "
            f"({spark_message(exc)}); pass row_id= with an integral column that is unique per "
            "row."
        ) from None
    ordinals = spark.createDataFrame(
        [(re.sub(_SINGLE_SLASH, r"\1:///", f), i) for i, f in enumerate(files)],
        f"{_FILE} string, {_ORDINAL} long",
    )
    # a broadcast join: the file list is small and every executor looks its rows' files up
    joined = located.join(F.broadcast(ordinals), on=_FILE, how="left")
    row = F.shiftleft(F.col(_ORDINAL), FILE_SHIFT) + F.col(_POSITION)
    checked = joined.select(*(column(c) for c in frame.columns), row.alias(ROW_ID), _POSITION)
    checks = [
        F.sum(F.when(F.col(ROW_ID).isNull(), F.lit(1)).otherwise(F.lit(0))).alias("lost_files"),
        F.max(F.col(_POSITION)).alias("max_position"),
    ]
    return checked.drop(_POSITION), checked, checks


def _raise_bad_ids(found: dict[str, Any], n: int, row_id: str | None, source: str) -> None:
    if row_id is not None:
        nulls = int(found["null_ids"] or 0)
        if nulls:
            raise DataError(
                f"the row id column {row_id!r} of {source!r} is missing in {nulls} of {n} rows; "
                "every row needs an id."
            )
        repeated = n - int(found["distinct_ids"] or 0)
        if repeated:
            raise DataError(
                f"the row id column {row_id!r} of {source!r} is not unique: {repeated} of {n} "
                "rows repeat an id held by another row. Pass a column with one id per row, or "
                "leave row_id out to use each row's file and position."
            )
        return
    if int(found["lost_files"] or 0):
        raise DataError(
            f"Spark reported rows of {source!r} from files outside its list of input files "
            "(did the files change while they were read?); read it again, or pass row_id=."
        )
    if int(found["max_position"] or 0) >= 1 << FILE_SHIFT:
        raise DataError(
            f"a file of {source!r} holds more than 2**{FILE_SHIFT} rows, more than a derived "
            "row id can count; pass row_id= with a unique integral column."
        )


def _hashable(frame: DataFrame, name: str) -> Column:
    """The column as xxhash64 takes it: Spark refuses to hash maps and variants, so a column
    holding one is hashed through its JSON text (map entries keep the order of the file)."""
    from pyspark.sql import functions as F

    kind = frame.schema[name].dataType.simpleString()
    if "map<" in kind or "variant" in kind:
        return F.to_json(F.struct(column(name)))
    return column(name)


def column(name: str) -> Column:
    """The column called name, whatever it holds: F.col("a.b") would read field b of a
    struct a, a backquoted name is taken as it is."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def spark_message(exc: BaseException) -> str:
    """The gist of a Spark or py4j error in one line: py4j's "An error occurred while calling
    o43.load." header and the JVM's exception class and stack are left out."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("An error occurred while calling"):
        lines = lines[1:]
    line = lines[0] if lines else type(exc).__name__
    line = re.sub(r"^\([\w$.]+\)\s*", "", line)  # Spark Connect's "(org.apache...Exception) "
    return re.sub(r"^:?\s*[\w$.]+(?:Exception|Error):\s*", "", line)[:500]
