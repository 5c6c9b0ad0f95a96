"""The result store: atomic entries, one computation per key across processes, job records."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from champion.errors import ChampionError, DataError
from champion.workspace.results import ResultStore, content_key


def test_once_computes_then_reads(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    calls: list[int] = []
    digest = content_key("thing", 1, "a")

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"value": 42}

    assert store.once("thing", digest, compute) == {"value": 42}
    assert store.once("thing", digest, compute) == {"value": 42}
    assert ResultStore(tmp_path).get("thing", digest) == {"value": 42}  # a restarted process
    assert calls == [1]
    assert store.job(digest) is not None
    assert store.job(digest).state == "done"  # type: ignore[union-attr]


def test_content_keys_differ_by_every_part() -> None:
    base = content_key("pair", "a", "b", 0.5, 0.95, 1000, 0)
    assert base == content_key("pair", "a", "b", 0.5, 0.95, 1000, 0)
    for other in (
        content_key("pair", "a", "b", 0.4, 0.95, 1000, 0),
        content_key("pair", "b", "a", 0.5, 0.95, 1000, 0),
        content_key("pair", "a", "b", 0.5, 0.95, 1000, 1),
        content_key("report", "a", "b", 0.5, 0.95, 1000, 0),
    ):
        assert other != base


def test_a_damaged_entry_counts_as_missing(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    digest = content_key("thing", 2)
    store.put("thing", digest, [1, 2, 3])
    store.path("thing", digest).write_bytes(b"not a pickle")
    assert ResultStore(tmp_path).get("thing", digest) is None


def test_a_failure_is_recorded_for_every_worker_and_raised(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    digest = content_key("thing", 3)

    def fail() -> None:
        raise DataError("the scores contain NaN")

    with pytest.raises(DataError, match="NaN"):
        store.once("thing", digest, fail, subjects=("models:/m/1",), dataset="fp")
    job = ResultStore(tmp_path).job(digest)
    assert job is not None
    assert (job.state, job.error, job.subjects) == (
        "failed",
        "the scores contain NaN",
        ("models:/m/1",),
    )
    assert [j.digest for j in store.jobs("fp")] == [digest]
    assert store.jobs("other") == []


def test_a_running_job_is_seen_by_another_store_and_stops_with_its_lock(tmp_path: Path) -> None:
    store, other = ResultStore(tmp_path), ResultStore(tmp_path)
    digest = content_key("thing", 4)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(30)
        return "done"

    worker = threading.Thread(target=lambda: store.once("thing", digest, slow, total=10))
    worker.start()
    assert started.wait(30)
    assert other.busy(digest)
    assert other.job(digest).state == "running"  # type: ignore[union-attr]
    release.set()
    worker.join(30)
    assert not other.busy(digest)
    assert other.job(digest).state == "done"  # type: ignore[union-attr]
    # a record left "running" by a process that died reads as stopped: nobody holds the lock
    store.record(digest, "thing", (), "running", 3, 10, None, "")
    assert other.job(digest).state == "stopped"  # type: ignore[union-attr]


WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from champion.workspace.results import ResultStore

    root, marks = Path(sys.argv[1]), Path(sys.argv[2])
    store = ResultStore(root)
    go = root / "go"
    while not go.exists():
        time.sleep(0.01)

    def compute():
        with marks.open("a") as out:
            out.write(f"{os.getpid()}\\n")
        time.sleep(1.0)
        return {"by": os.getpid()}

    print(json.dumps(store.once("pair", "d" * 64, compute)))
    """
)


def test_two_processes_asking_at_once_compute_once(tmp_path: Path) -> None:
    root, marks = tmp_path / "cache", tmp_path / "marks.txt"
    root.mkdir(mode=0o700)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(root), str(marks)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(0.5)  # both are waiting for the start signal
    (root / "go").touch()
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(marks.read_text().split()) == 1  # one computed, the other waited and read
    assert outputs[0] == outputs[1]


def test_results_are_not_read_from_a_folder_others_can_write(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    digest = content_key("thing", 5)
    store.put("thing", digest, "secret")
    os.chmod(store.path("thing", digest).parent, 0o777)
    with pytest.raises(ChampionError, match="writable by other users"):
        ResultStore(tmp_path).get("thing", digest)


def test_an_unexpected_failure_is_recorded_with_its_message_too(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    digest = content_key("thing", 6)

    def broken() -> None:
        raise KeyError("scores")

    with pytest.raises(KeyError):
        store.once("thing", digest, broken)
    job = store.job(digest)
    assert job is not None
    assert job.state == "failed"
    assert "unexpected KeyError" in (job.error or "")


def test_a_result_read_from_disk_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    digest = content_key("thing", 7)
    ResultStore(tmp_path).put("thing", digest, [1])
    with caplog.at_level("INFO", logger="champion.workspace"):
        assert ResultStore(tmp_path).get("thing", digest) == [1]
    assert f"thing {digest[:12]}: read from the cache" in caplog.text
