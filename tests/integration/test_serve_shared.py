"""``champion serve --workers 3`` on one cache: several clients at once, each version scored once
and each comparison computed once on the host, the test set loaded once and mapped by each
worker; after a restart the verdict comes from the cache.

The counts come from the workers' own log lines (``--verbose``): "scoring <uri>: ... rows in"
once per scored version, "<kind> <key>: computed in" once per computed result.
"""

from __future__ import annotations

import re
import threading
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from support.dash_client import http_client

from .servers import champion_serve
from .store import TARGET, BuiltStore
from .test_serve import until, verdict, write_test_set

pytestmark = pytest.mark.slow

SELECTIONS = (["1", "2"], ["1", "3"], ["1", "2", "3"])


def serving(store: BuiltStore, data: Path, cache: Path, log: Path) -> AbstractContextManager[str]:
    """``champion serve --workers 3 --verbose`` until the block ends; yields its URL."""
    options = [
        "--tracking-uri",
        store.tracking_uri,
        "--model",
        store.model_name,
        "--data",
        str(data),
        "--target",
        TARGET,
        "--workers",
        "3",
        "--n-boot",
        "100",
        "--cache-dir",
        str(cache),
        "--verbose",
    ]
    return champion_serve(options, log)


def ask_everything(url: str, clients: int) -> list[str]:
    """clients threads, each with its own connection, ask every selection's verdict until all
    have it; returns the verdicts of the last round."""
    answers: dict[tuple[int, int], str] = {}
    errors: list[BaseException] = []

    def client(number: int) -> None:
        try:
            http = http_client(url)
            for index, selection in enumerate(SELECTIONS):

                def ready(sel: list[str] = selection) -> str:
                    text = verdict(http, sel)
                    return text if "vs champion (version 1)" in text else ""

                answers[(number, index)] = until(ready, f"the verdict of {selection}", 240)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    return [answers[(n, i)] for n in range(clients) for i in range(len(SELECTIONS))]


def counted(log: str, pattern: str) -> dict[str, int]:
    """How many times each first group of pattern occurs in the log."""
    found: dict[str, int] = {}
    for match in re.finditer(pattern, log):
        found[match.group(1)] = found.get(match.group(1), 0) + 1
    return found


def test_three_workers_score_and_compare_once_and_a_restart_reads_the_cache(
    server_store: BuiltStore, tmp_path: Path
) -> None:
    data, cache, log = write_test_set(server_store, tmp_path), tmp_path / "cache", tmp_path / "log"
    with serving(server_store, data, cache, log) as url:
        first = ask_everything(url, clients=4)
    text = log.read_text()
    # the test set is loaded once, by serve itself; each worker maps the copy it published
    assert len(re.findall(r"test set: loaded ", text)) == 1, text
    mapped = re.findall(r"\[(\d+)\] champion.dashboard test set: mapped \S+\.arrow", text)
    assert len(set(mapped)) == 3, text
    scored = counted(text, r"scoring (models:/\S+): \d+ rows in")
    assert scored == {f"models:/{server_store.model_name}/{v}": 1 for v in ("1", "2", "3")}, text
    pairs = counted(text, r"pair ([0-9a-f]{12}): computed in")
    # (1, 2) and (1, 3) at threshold 0.5, and version 1 alone while the others were scored;
    # the selection of all three reuses the pairs
    assert 2 <= len(pairs) <= 3, text
    assert set(pairs.values()) == {1}, text
    reports = counted(text, r"report ([0-9a-f]{12}): computed in")
    assert len(reports) == 3, text
    assert set(reports.values()) == {1}, text

    restarted = tmp_path / "restart.log"
    with serving(server_store, data, cache, restarted) as url:
        http = http_client(url)
        again = verdict(http, ["1", "2"])  # the first request after the restart has it
    assert "vs champion (version 1)" in again
    assert again in first
    after = restarted.read_text()
    assert "scoring models:/" not in after, after
    assert not re.search(r"pair [0-9a-f]{12}: computed in", after), after
