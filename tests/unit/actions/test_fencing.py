"""Breaking a stale lock cannot remove a fresh one: the interleaving that used to lose an update.

W2 re-reads the stale lock L0 and is about to delete it; meanwhile W1 deletes L0, creates L1 and
verifies it; then W2's delete (by name: MLflow has no compare-and-delete) would remove L1, W2
would create L2, and both would move the alias: two ``applied`` entries from the same version.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from champion.actions import ActionResult, AliasLockTimeout, LockSettings, promote, read_history
from champion.actions.lock import acquire, claim_name

from .fake_writer import FakeClock, FakeRegistry, FakeWriter

LOCK = "champion-lock.titanic.champion"
PATIENCE = 5.0  # real seconds any step of the test waits at most for the other writer


def _settings(clock: FakeClock, sleep: Any) -> LockSettings:
    return LockSettings(clock=clock, sleep=sleep, jitter=lambda: 1.0)


def _stale_lock(registry: FakeRegistry, clock: FakeClock) -> None:
    acquire(
        FakeWriter(registry),
        "titanic",
        "champion",
        holder="crashed",
        purpose="promote 4",
        settings=_settings(clock, clock.sleep),
    )
    clock.advance(61)


def test_a_stale_lock_break_cannot_delete_the_lock_another_writer_just_took(
    clock: FakeClock,
) -> None:
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 3, champion="1")
    _stale_lock(registry, clock)
    w1_waiting = threading.Event()  # W1 is at its alias write, or waits for the lock
    w1_writing = threading.Event()  # W1 is at its alias write
    w2_writing = threading.Event()  # W2 is at its alias write: W1 may write first
    results: dict[str, ActionResult] = {}
    errors: list[BaseException] = []
    started = time.monotonic()

    def w1_sleep(seconds: float) -> None:
        # W1 polls the lock in real time (the fake clock stands still), so it waits for W2
        w1_waiting.set()
        if time.monotonic() - started > PATIENCE:
            raise TimeoutError("W1 waited too long")
        time.sleep(0.002)

    def w1_at_alias_write(*args: object) -> None:
        w1_writing.set()
        w1_waiting.set()
        w2_writing.wait(PATIENCE)

    w1 = FakeWriter(registry, {"set_alias": w1_at_alias_write})

    def run_w1() -> None:
        try:
            results["w1"] = promote(
                w1,
                "titanic",
                "2",
                reason="w1",
                user="w1",
                expected="1",
                force=True,
                settings=_settings(clock, w1_sleep),
            )
        except BaseException as err:  # reported by the test below
            errors.append(err)

    thread = threading.Thread(target=run_w1)
    deletes = 0

    def w2_before_delete(lock_name: str) -> None:
        # W2 has read the stale lock L0 again and is about to delete it: W1 goes first
        nonlocal deletes
        deletes += 1
        if lock_name == LOCK and deletes == 1:
            thread.start()
            w1_waiting.wait(PATIENCE)

    def w2_at_alias_write(*args: object) -> None:
        # W1, if it got as far as its own alias write, writes first and finishes
        w2_writing.set()
        if w1_writing.is_set():
            thread.join(PATIENCE)

    w2 = FakeWriter(registry, {"delete_lock": w2_before_delete, "set_alias": w2_at_alias_write})
    results["w2"] = promote(
        w2,
        "titanic",
        "3",
        reason="w2",
        user="w2",
        expected="1",
        force=True,
        settings=_settings(clock, clock.sleep),
    )
    thread.join(PATIENCE)
    assert not thread.is_alive()
    assert errors == []

    entries = read_history(FakeWriter(registry), "titanic", now=clock.now)
    applied = [e for e in entries if e.outcome == "applied"]
    assert len(applied) == 1, [(e.seq, e.user, e.outcome, e.to_version) for e in entries]
    assert registry.alias("titanic", "champion") == applied[0].to_version
    assert sorted(r.outcome for r in results.values()) == ["applied", "conflict"]
    assert registry.locks() == []


@pytest.mark.parametrize("seconds_left", [30.0, 5.0])
def test_a_holder_releases_only_its_own_lock(clock: FakeClock, seconds_left: float) -> None:
    """Near the end of its lease a holder removes its lock only through the same claim a
    breaker needs, so its delete can never hit a lock someone else took meanwhile."""
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 3, champion="1")
    lock = acquire(
        FakeWriter(registry),
        "titanic",
        "champion",
        holder="ana",
        purpose="p",
        settings=_settings(clock, clock.sleep),
    )
    clock.advance(60 - seconds_left)
    assert lock.release() is True
    assert registry.locks() == []


def test_a_lock_lost_during_the_alias_write_is_a_conflict_not_applied(clock: FakeClock) -> None:
    """Whatever the cause (a write slower than the margin, clocks apart), a holder whose lock
    was taken over while it moved the alias does not count its change as applied."""
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 3, champion="1")

    def taken_over(*args: object) -> None:
        registry.models[LOCK].tags["token"] = "someone-else"

    writer = FakeWriter(registry, {"set_alias": taken_over})
    result = promote(
        writer,
        "titanic",
        "2",
        reason="r",
        user="ana",
        expected="1",
        force=True,
        settings=_settings(clock, clock.sleep),
    )
    assert result.outcome == "conflict"
    assert "taken over by another writer (now version 2)" in result.message
    assert any("stays pending" in note for note in result.notes)
    assert registry.locks() == [LOCK]  # not ours any more: left alone
    [entry] = read_history(writer, "titanic", now=clock.now)
    assert (entry.outcome, entry.note) == ("interrupted", "alias was moved")


def _claim_by_another(registry: FakeRegistry, clock: FakeClock, level: int, expires: str) -> str:
    """A claim on deleting the stale lock, made by another client."""
    name = claim_name(registry.models[LOCK].tags["token"], level)
    FakeWriter(registry).create_lock(name, {"token": "other", "expires_at": expires}, "")
    return name


def test_a_waiter_leaves_a_stale_lock_alone_while_another_removes_it(clock: FakeClock) -> None:
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 3, champion="1")
    _stale_lock(registry, clock)
    stale_token = registry.models[LOCK].tags["token"]
    _claim_by_another(registry, clock, 1, (clock.now + timedelta(seconds=30)).isoformat())
    with pytest.raises(AliasLockTimeout, match="locked by crashed"):
        acquire(
            FakeWriter(registry),
            "titanic",
            "champion",
            holder="bob",
            purpose="p",
            settings=LockSettings(clock=clock, sleep=clock.sleep, jitter=lambda: 1.0, timeout=2),
        )
    assert registry.models[LOCK].tags["token"] == stale_token
    assert clock.slept[0] == pytest.approx(0.05)  # it backed off rather than spinning


def test_a_claim_whose_claimant_vanished_is_taken_over_at_the_next_level(
    clock: FakeClock,
) -> None:
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 3, champion="1")
    _stale_lock(registry, clock)
    _claim_by_another(registry, clock, 1, (clock.now - timedelta(seconds=1)).isoformat())
    writer = FakeWriter(registry)
    lock = acquire(
        writer,
        "titanic",
        "champion",
        holder="bob",
        purpose="p",
        settings=_settings(clock, clock.sleep),
    )
    assert registry.models[LOCK].tags["token"] == lock.token
    assert registry.locks() == [LOCK]  # both claims removed
    assert lock.release() is True
