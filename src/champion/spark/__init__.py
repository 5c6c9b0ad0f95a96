"""Exact evaluation of test sets that live in Spark (the "spark" extra: pyspark 4, Java 17+).

The rows stay on the cluster: it groups them by distinct score (the weight of positives and of
negatives at each score), and the driver feeds that table to the same counting kernel the
in-memory engine uses, so every number equals ``champion.evaluation.evaluate`` on the same rows.

Importing this package does not import pyspark (nothing else in champion imports it either);
its functions do, and raise SparkUnavailable, naming what to install, when pyspark or Java is
missing.
"""

from champion.spark.aggregate import ScoreTable, score_table
from champion.spark.paired import compare_frame, evaluate_spark
from champion.spark.session import SparkUnavailable, local_session, spark_session

__all__ = [
    "ScoreTable",
    "SparkUnavailable",
    "compare_frame",
    "evaluate_spark",
    "local_session",
    "score_table",
    "spark_session",
]
