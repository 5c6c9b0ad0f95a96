"""Benchmark the Spark engine's comparison of two versions against the in-memory engine.

Run from the repository root (needs the "spark" extra and Java 17+, as make test installs)::

    .venv/bin/python benchmarks/bench_spark.py                 # n = 1e6 and 1e7
    .venv/bin/python benchmarks/bench_spark.py --with-1e8      # adds n = 1e8 (Spark only)
    .venv/bin/python benchmarks/bench_spark.py --quick         # smoke run, n = 1e4, 1e5
    .venv/bin/python benchmarks/bench_spark.py --digits 4      # scores rounded (D <= 10,001)

For each n, on synthetic data (about 30% positives; two versions' probabilities, unrounded by
default, so each has about n distinct scores), written once to Parquet and read back by Spark
(the rows are never in the driver):

1. Spark: champion.spark.compare_frame on a local session (--master, local[2] by default):
   both versions' reports and the paired tests (DeLong, McNemar, delta method). Above
   2,000,000 distinct scores a version's table is reduced on the cluster
   (champion.spark.reduced): the 1e7 run takes that path, the 1e6 run the driver's;
2. in memory, where it fits (n <= --memory-max): compare(y, {v1, v2}, ci="analytic") on the
   same rows as numpy arrays (the same intervals);
3. the exact-equality check: the largest difference between the two comparisons over every
   metric, interval bound, paired difference, interval and p-value;
4. the driver: the peak RSS of a fresh Python process that only runs compare_frame on the
   Parquet file (VmHWM, else resource.getrusage), and the thresholds its kernels hold. It stays
   flat as n grows. (In local mode the executors live in the JVM, a separate process whose heap
   is the cluster's, not the driver's.)

Times are medians of --repeats runs (one run from 1e7 rows on), both engines interleaved;
ratios compare timings of the same run of this script. Nothing is asserted about time.
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
from collections.abc import Iterator
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from champion import compare
from champion.evaluation import Comparison

CHUNK = 5_000_000  # rows generated and written at a time (1e8 rows never sit in memory)


def make_chunk(n: int, digits: int, seed: int) -> dict[str, np.ndarray]:
    """Labels and two versions' probabilities: v2 carries more of the signal than v1."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    signal = rng.normal(size=n) + 1.5 * y - 1.0
    v1 = 1.0 / (1.0 + np.exp(-(0.7 * signal + rng.normal(size=n))))
    v2 = 1.0 / (1.0 + np.exp(-(signal + 0.5 * rng.normal(size=n))))
    if digits > 0:
        v1, v2 = np.round(v1, digits), np.round(v2, digits)
    return {"y": y.astype(np.int64), "v1": v1, "v2": v2}


def chunks(n: int, digits: int) -> Iterator[dict[str, np.ndarray]]:
    for i, start in enumerate(range(0, n, CHUNK)):
        yield make_chunk(min(CHUNK, n - start), digits, seed=i)


def write_rows(n: int, digits: int, path: Path) -> None:
    schema = pa.schema([("y", pa.int64()), ("v1", pa.float64()), ("v2", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for part in chunks(n, digits):
            writer.write_table(pa.table(part, schema=schema), row_group_size=1_000_000)


def largest_difference(a: Comparison, b: Comparison) -> float:
    """Max |a - b| over every metric value and interval bound of both versions and every paired
    difference, interval bound and p-value (inf when they disagree on which are defined)."""
    pairs: list[tuple[float | None, float | None]] = []
    for name, report in a.models.items():
        for metric, m in report.metrics.items():
            other = b.models[name].metrics[metric]
            pairs += [(m.value, other.value), (m.ci_low, other.ci_low), (m.ci_high, other.ci_high)]
    for name, pair in a.comparisons.items():
        for metric, d in pair.deltas.items():
            o = b.comparisons[name].deltas[metric]
            pairs += [(d.delta, o.delta), (d.ci_low, o.ci_low), (d.ci_high, o.ci_high)]
            pairs += [(d.p_value, o.p_value)]
    worst = 0.0
    for x, y in pairs:
        if (x is None) != (y is None):
            return math.inf
        if x is not None and y is not None:
            worst = max(worst, abs(x - y))
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


def spark_compare(df: Any) -> Comparison:
    from champion.spark import compare_frame

    return compare_frame(df, "y", {"v1": "v1", "v2": "v2"})


def memory_compare(data: dict[str, np.ndarray]) -> Comparison:
    return compare(data["y"], {"v1": data["v1"], "v2": data["v2"]}, ci="analytic")


def driver_only(path: str, master: str) -> None:
    """In a fresh process: compare the Parquet file's two versions with Spark, print the
    driver's figures."""
    from champion.spark import local_session

    spark = local_session(master)
    found = spark_compare(spark.read.parquet(path))
    kept = max(r.counts.scores.size for r in found.models.values())
    notes = [n for r in found.models.values() for n in r.notes if "distinct scores" in n]
    print(json.dumps({"kept": int(kept), "reduced": bool(notes),
                      "rss_mb": peak_rss_kb() / 1024}))  # fmt: skip
    spark.stop()


def bench(n: int, args: argparse.Namespace, spark: Any, folder: Path) -> dict[str, Any]:
    path = folder / f"rows-{n}.parquet"
    write_rows(n, args.digits, path)
    df = spark.read.parquet(str(path))
    in_memory = n <= args.memory_max
    data = None
    if in_memory:
        parts = list(chunks(n, args.digits))
        data = {k: np.concatenate([p[k] for p in parts]) for k in ("y", "v1", "v2")}
    repeats = args.repeats if n < 10_000_000 else 1
    spark_times, memory_times = [], []
    spark_result = memory_result = None
    for repeat in range(repeats):
        order = ("spark", "memory") if repeat % 2 == 0 else ("memory", "spark")
        for side in order:
            if side == "spark":
                seconds, spark_result = timed(lambda: spark_compare(df))
                spark_times.append(seconds)
            elif data is not None:
                seconds, memory_result = timed(lambda d=data: memory_compare(d))
                memory_times.append(seconds)
    assert spark_result is not None
    row: dict[str, Any] = {"n": n, "spark_s": median(spark_times)}
    if memory_result is not None:
        difference = largest_difference(spark_result, memory_result)
        row |= {"memory_s": median(memory_times), "largest_difference": difference,
                "exact": difference <= 1e-9}  # fmt: skip
    data = memory_result = None
    gc.collect()
    if not args.no_driver_memory:
        out = subprocess.run(
            [sys.executable, __file__, "--driver-only", str(path), "--master", args.master],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        row.update(json.loads(out.stdout.strip().splitlines()[-1]))
    path.unlink()
    return row


def report(row: dict[str, Any]) -> None:
    n = row["n"]
    print(f"\nn = {n:,}")
    if "memory_s" in row:
        ratio = row["spark_s"] / row["memory_s"]
        print(f"  spark compare    {row['spark_s']:8.2f} s  ({ratio:.1f}x in-memory)")
        print(f"  in-memory        {row['memory_s']:8.2f} s")
        verdict = "exact" if row["exact"] else "DIFFERENT"
        print(f"  equality         {verdict} (largest difference {row['largest_difference']:.2e})")
    else:
        print(f"  spark compare    {row['spark_s']:8.2f} s  (in-memory not run: n > --memory-max)")
    if "rss_mb" in row:
        path = "reduced on the cluster" if row["reduced"] else "collected"
        print(f"  driver           {path}, {row['kept']:,} thresholds kept; "
              f"peak RSS {row['rss_mb']:.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e6,1e7", help="comma-separated row counts")
    parser.add_argument("--with-1e8", action="store_true", help="add n = 1e8 (Spark only)")
    parser.add_argument("--quick", action="store_true", help="smoke run: n = 1e4, 1e5")
    parser.add_argument("--digits", type=int, default=0, help="round scores (0: do not)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-max", type=float, default=2e7, help="largest in-memory n")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--no-driver-memory", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--driver-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver_only:
        driver_only(args.driver_only, args.master)
        return
    sizes = [10_000, 100_000] if args.quick else [int(float(v)) for v in args.sizes.split(",")]
    if args.with_1e8:
        sizes.append(100_000_000)
    from champion.spark import local_session

    spark = local_session(args.master)
    print(f"python {platform.python_version()}, {platform.machine()}, master {args.master}, "
          f"scores rounded to {args.digits or 'no'} digits")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as folder:
        for n in sizes:
            rows.append(bench(n, args, spark, Path(folder)))
            report(rows[-1])
    spark.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
