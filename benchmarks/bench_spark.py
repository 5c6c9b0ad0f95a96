"""Benchmark the Spark engine (champion.spark.evaluate_spark) against the in-memory engine.

Run from the repository root (needs the "spark" extra and Java 17+, as make test installs)::

    .venv/bin/python benchmarks/bench_spark.py                 # n = 1e6
    .venv/bin/python benchmarks/bench_spark.py --with-1e7      # adds n = 1e7
    .venv/bin/python benchmarks/bench_spark.py --quick         # smoke run, n = 1e4, 1e5
    .venv/bin/python benchmarks/bench_spark.py --digits 0      # scores not rounded (D ~ n)

For each n, on synthetic data (about 30% positives, probabilities rounded to --digits digits,
so D <= 10**digits + 1 distinct scores, as a deployed model's rounded output), written once to
Parquet and read back by Spark (the rows are never in the driver):

1. Spark: evaluate_spark on a local session (--master, local[2] by default): the check pass,
   the GROUP BY score pass, and on the driver the kernel and the report; the grouped pass and
   the driver's share are shown apart;
2. in memory: evaluate(y, s, ci="analytic") on the same rows as numpy arrays (the same
   intervals: DeLong, Wilson, delta method);
3. the exact-equality check: the largest difference between the two reports over every
   metric, interval bound and kernel count;
4. the driver: the distinct-score table it holds (D x 3 float64) and the peak RSS of a fresh
   Python process that only runs evaluate_spark on the Parquet file (VmHWM, else
   resource.getrusage; the JVM's own heap is a separate process). It stays flat as n grows.

Times are medians of --repeats runs, both engines interleaved in each repeat; ratios compare
timings of the same run of this script. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from champion import evaluate
from champion.evaluation import EvaluationReport


def make_data(n: int, digits: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    s = 1.0 / (1.0 + np.exp(-(rng.normal(size=n) + 1.5 * y - 1.0)))
    if digits > 0:
        s = np.round(s, digits)
    return y, s


def largest_difference(a: EvaluationReport, b: EvaluationReport) -> float:
    """Max |a - b| over every metric value, interval bound and kernel count (inf if they
    disagree on which are defined)."""
    worst = 0.0
    for name, m in a.metrics.items():
        other = b.metrics[name]
        for x, y in ((m.value, other.value), (m.ci_low, other.ci_low), (m.ci_high, other.ci_high)):
            if (x is None) != (y is None):
                return math.inf
            if x is not None and y is not None:
                worst = max(worst, abs(x - y))
    for field in ("thresholds", "tps", "fps"):
        left, right = getattr(a.counts, field), getattr(b.counts, field)
        if left.shape != right.shape:
            return math.inf
        worst = max(worst, float(np.max(np.abs(left[1:] - right[1:]))))
    return worst


def timed(call: Any) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def peak_rss_kb() -> float:
    """This process's peak resident memory, in kB. Linux carries ru_maxrss over an exec, so a
    child forked from this (large) benchmark process would report the parent's peak: the
    high-water mark of the process's own memory (VmHWM) is read first, getrusage otherwise."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def driver_only(path: str, master: str) -> None:
    """In a fresh process: evaluate the Parquet file with Spark, print the driver's figures."""
    from champion.spark import local_session, score_table
    from champion.spark.aggregate import report_from_table

    spark = local_session(master)
    df = spark.read.parquet(path)
    table = score_table(df, "y", "s")
    report_from_table(table, "model", 0.5, 0.95, 1)
    rss_kb = peak_rss_kb()
    print(json.dumps({"distinct": int(table.counts.scores.size), "table_bytes": table.driver_bytes,
                      "rss_mb": rss_kb / 1024}))  # fmt: skip
    spark.stop()


def bench(n: int, args: argparse.Namespace, spark: Any, folder: Path) -> dict[str, Any]:
    from champion.spark import evaluate_spark, score_table
    from champion.spark.aggregate import report_from_table

    y, s = make_data(n, args.digits)
    path = folder / f"rows-{n}.parquet"
    pq.write_table(pa.table({"y": y, "s": s}), path, row_group_size=1_000_000)
    df = spark.read.parquet(str(path))
    spark_times, grouped_times, driver_times, memory_times = [], [], [], []
    spark_report = memory_report = None
    for repeat in range(args.repeats):
        order = ("spark", "memory") if repeat % 2 == 0 else ("memory", "spark")
        for side in order:
            if side == "spark":
                seconds, spark_report = timed(lambda: evaluate_spark(df, "y", "s"))
                spark_times.append(seconds)
                seconds, table = timed(lambda: score_table(df, "y", "s"))
                grouped_times.append(seconds)
                seconds, _ = timed(lambda t=table: report_from_table(t, "model", 0.5, 0.95, 1))
                driver_times.append(seconds)
            else:
                seconds, memory_report = timed(lambda: evaluate(y, s, ci="analytic"))
                memory_times.append(seconds)
    assert spark_report is not None
    assert memory_report is not None
    difference = largest_difference(spark_report, memory_report)
    row: dict[str, Any] = {
        "n": n,
        "spark_s": median(spark_times),
        "spark_cluster_s": median(grouped_times),
        "spark_driver_s": median(driver_times),
        "memory_s": median(memory_times),
        "largest_difference": difference,
        "exact": difference <= 1e-9,
    }
    if not args.no_driver_memory:
        out = subprocess.run(
            [sys.executable, __file__, "--driver-only", str(path), "--master", args.master],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        row.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e6", help="comma-separated row counts")
    parser.add_argument("--with-1e7", action="store_true", help="add n = 1e7")
    parser.add_argument("--quick", action="store_true", help="smoke run: n = 1e4, 1e5")
    parser.add_argument("--digits", type=int, default=4, help="round scores (0: do not)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--no-driver-memory", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--driver-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver_only:
        driver_only(args.driver_only, args.master)
        return
    sizes = [10_000, 100_000] if args.quick else [int(float(v)) for v in args.sizes.split(",")]
    if args.with_1e7:
        sizes.append(10_000_000)
    from champion.spark import local_session

    spark = local_session(args.master)
    print(f"python {platform.python_version()}, {platform.machine()}, master {args.master}, "
          f"scores rounded to {args.digits or 'no'} digits")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as folder:
        for n in sizes:
            row = bench(n, args, spark, Path(folder))
            rows.append(row)
            ratio = row["spark_s"] / row["memory_s"]
            print(f"\nn = {n:,}")
            print(f"  spark evaluate   {row['spark_s']:8.3f} s  ({ratio:.1f}x in-memory)")
            print(f"    cluster passes {row['spark_cluster_s']:8.3f} s")
            print(f"    driver kernel  {row['spark_driver_s']:8.3f} s")
            print(f"  in-memory        {row['memory_s']:8.3f} s")
            verdict = "exact" if row["exact"] else "DIFFERENT"
            print(
                f"  equality         {verdict} (largest difference {row['largest_difference']:.2e})"
            )
            if "distinct" in row:
                megabytes = row["table_bytes"] / 1e6
                distinct = row["distinct"]
                print(f"  driver table     {distinct:,} distinct scores, {megabytes:.3f} MB; "
                      f"driver peak RSS {row['rss_mb']:.0f} MB")  # fmt: skip
    spark.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
