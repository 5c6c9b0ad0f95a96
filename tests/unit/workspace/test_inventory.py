"""champion cache list / prune: every kind of entry, with size and age; least recently used go."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from champion.cache import ScoreCache, ScoreKey
from champion.cli.main import champion
from champion.errors import DataError
from champion.workspace.inventory import entries, parse_age, parse_size, prune
from champion.workspace.results import ResultStore, content_key
from support.terminal import squeeze


def fill(root: Path) -> None:
    """Two score vectors and three results, written an hour apart each (oldest first)."""
    cache, store = ScoreCache(root), ResultStore(root)
    for i in range(2):
        key = ScoreKey(f"models:/m/{i + 1}", "sum", "fp", "1")
        cache.put(key, np.full(1000, 0.5), "probability", None, {"uri": f"models:/m/{i + 1}"})
    for i, kind in enumerate(("report", "pair", "slices")):
        store.put(kind, content_key(kind, i), b"x" * 5000)
    now = time.time()
    paths = sorted(
        [*(root / "scores").glob("*"), *(root / "results").rglob("*.pkl")], key=lambda p: str(p)
    )
    for hours, path in enumerate(paths):
        os.utime(path, (now - 3600 * (hours + 1), now - 3600 * (hours + 1)))


def test_entries_list_every_kind_newest_first(tmp_path: Path) -> None:
    fill(tmp_path)
    found = entries(tmp_path)
    assert sorted(e.kind for e in found) == ["pair", "report", "scores", "scores", "slices"]
    assert [e.age for e in found] == sorted(e.age for e in found)
    assert all(e.size > 0 for e in found)


def test_prune_by_age_then_by_size_least_recently_used_first(tmp_path: Path) -> None:
    fill(tmp_path)
    before = entries(tmp_path)
    removed = prune(tmp_path, older_than=4.5 * 3600)
    assert [e.path for e in removed] == [before[-1].path]
    kept = entries(tmp_path)
    budget = sum(e.size for e in kept[:2])
    removed = prune(tmp_path, max_size=budget)
    assert [e.path for e in entries(tmp_path)] == [e.path for e in kept[:2]]
    assert {e.path for e in removed} == {e.path for e in kept[2:]}


def test_a_read_marks_an_entry_as_used(tmp_path: Path) -> None:
    fill(tmp_path)
    oldest = [e for e in entries(tmp_path) if e.kind != "scores"][-1]
    assert entries(tmp_path)[0].path != oldest.path
    assert ResultStore(tmp_path).get(oldest.kind, oldest.path.stem) == b"x" * 5000
    assert entries(tmp_path)[0].path == oldest.path


@pytest.mark.parametrize(
    ("text", "size"),
    [("2GB", 2 * 10**9), ("500 MB", 5 * 10**8), ("1000", 1000), ("1.5GiB", int(1.5 * 2**30))],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_ages_and_bad_values() -> None:
    assert parse_age("30d") == 30 * 86400
    assert parse_age("12h") == 12 * 3600
    with pytest.raises(DataError, match="not a size"):
        parse_size("lots")
    with pytest.raises(DataError, match="not an age"):
        parse_age("a month")


@pytest.mark.cli
def test_cli_list_prune_and_clear(tmp_path: Path) -> None:
    fill(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(champion, ["cache", "list", "--cache-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    # the title names the cache folder, a temporary path of any length: rich wraps it (and
    # what follows) at any space, so only the words are compared
    assert squeeze(": 5 entries,") in squeeze(listed.output)
    as_json = runner.invoke(
        champion, ["cache", "list", "--cache-dir", str(tmp_path), "--format", "json"]
    )
    assert {e["type"] for e in json.loads(as_json.output)} == {"scores", "report", "pair", "slices"}
    refused = runner.invoke(champion, ["cache", "prune", "--cache-dir", str(tmp_path)])
    assert refused.exit_code == 2
    assert "--max-size" in refused.output
    pruned = runner.invoke(
        champion, ["cache", "prune", "--cache-dir", str(tmp_path), "--older-than", "150m"]
    )
    assert pruned.exit_code == 0, pruned.output
    assert "removed 3 entries" in pruned.output
    assert len(entries(tmp_path)) == 2
    cleared = runner.invoke(champion, ["cache", "clear", "--cache-dir", str(tmp_path)])
    assert cleared.exit_code == 0
    assert entries(tmp_path) == []
