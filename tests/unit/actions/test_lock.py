"""The registry lock, on the in-memory registry with a clock that moves only when told."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta

import pytest

from champion.actions import AliasLockTimeout, LockLost, LockSettings
from champion.actions.audit import format_time
from champion.actions.lock import AliasLock, acquire, holding
from champion.errors import ConcurrentAliasChange, DataError
from champion.models import RegistryPermissionDenied, RegistryServerError, lock_model_name

from .fake_writer import FakeClock, FakeRegistry, FakeWriter

LOCK = "champion-lock.titanic.champion"


@pytest.fixture
def registry(clock: FakeClock) -> FakeRegistry:
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 3, champion="1")
    return registry


def settings(clock: FakeClock, **kw: float) -> LockSettings:
    return LockSettings(clock=clock, sleep=clock.sleep, jitter=lambda: 1.0, **kw)


def take(
    registry: FakeRegistry,
    clock: FakeClock,
    holder: str,
    *,
    writer: FakeWriter | None = None,
    purpose: str = "p",
    **kw: float,
) -> AliasLock:
    """Acquire the lock on titanic@champion as ``holder`` (through ``writer``, or a new one)."""
    client = writer or FakeWriter(registry)
    return acquire(
        client,
        "titanic",
        "champion",
        holder=holder,
        purpose=purpose,
        settings=settings(clock, **kw),
    )


def test_lock_names_are_reserved_and_bounded() -> None:
    assert lock_model_name("titanic", "champion") == LOCK
    long_name = "m" * 300
    name = lock_model_name(long_name, "champion")
    assert len(name) <= 256
    assert name.startswith("champion-lock.")
    assert name.endswith(".champion")
    assert name != lock_model_name("n" * 300, "champion")


def test_acquire_creates_the_lock_model_with_its_tags_and_release_deletes_it(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    writer = FakeWriter(registry)
    lock = take(registry, clock, "ana", writer=writer, purpose="promote 2")
    tags = registry.models[LOCK].tags
    assert tags["token"] == lock.token
    assert tags["holder"] == "ana"
    assert tags["purpose"] == "promote 2"
    assert lock.expires_at == clock.now + timedelta(seconds=60)
    assert "held by ana" in registry.models[LOCK].description
    lock.verify()
    assert lock.release() is True
    assert registry.locks() == []
    assert lock.release() is False  # already gone


def test_a_waiter_times_out_naming_the_holder_and_until_when(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    first = take(registry, clock, "ana", purpose="promote 2")
    with pytest.raises(AliasLockTimeout) as info:
        take(registry, clock, "bob", purpose="promote 3", timeout=5)
    message = str(info.value)
    assert "locked by ana (promote 2)" in message
    assert f"until {format_time(first.expires_at)} UTC" in message
    assert "waited 5 s" in message
    assert info.value.exit_code == 3
    assert isinstance(info.value, ConcurrentAliasChange)
    # it backed off: pauses grow from 0.05 s up to 1 s, and it waited no longer than asked
    assert clock.slept[0] == pytest.approx(0.05)
    assert max(clock.slept) == pytest.approx(1.0)
    assert sum(clock.slept) == pytest.approx(5.0)
    assert registry.models[LOCK].tags["token"] == first.token


def test_a_waiter_gets_the_lock_once_it_is_released(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    first = take(registry, clock, "ana")
    releases_after = iter([False, False, True])

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if next(releases_after):
            first.release()

    waiter = LockSettings(clock=clock, sleep=sleep, jitter=lambda: 0.0)
    second = acquire(
        FakeWriter(registry), "titanic", "champion", holder="bob", purpose="p", settings=waiter
    )
    assert registry.models[LOCK].tags["holder"] == "bob"
    assert second.token != first.token
    # full jitter draws the lower half: 50% of 0.05, 0.1, 0.2 s
    assert clock.slept == pytest.approx([0.025, 0.05, 0.1])


def test_a_stale_lock_is_broken_and_taken(registry: FakeRegistry, clock: FakeClock) -> None:
    crashed = take(registry, clock, "ana")
    clock.advance(61)
    lock = take(registry, clock, "bob")
    assert registry.models[LOCK].tags["holder"] == "bob"
    # the crashed holder finds out before writing, and its release leaves the new lock alone
    with pytest.raises(LockLost, match="taken over"):
        crashed.verify()
    assert crashed.release() is False
    assert registry.models[LOCK].tags["token"] == lock.token


def test_a_waiter_sleeps_until_a_lock_expires(registry: FakeRegistry, clock: FakeClock) -> None:
    take(registry, clock, "ana", lease=2, margin=1)
    take(registry, clock, "bob")
    assert registry.models[LOCK].tags["holder"] == "bob"
    assert sum(clock.slept) == pytest.approx(2.01, abs=1e-6)


def test_a_stale_lock_replaced_meanwhile_is_not_deleted(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    take(registry, clock, "ana")
    clock.advance(61)
    reads = 0

    def replace_after_first_read(lock_name: str) -> None:
        # between the waiter's two reads, another waiter broke the lock and took a fresh one
        nonlocal reads
        reads += 1
        if reads == 2:
            registry.models.pop(lock_name)
            take(registry, clock, "carl")

    writer = FakeWriter(registry, {"read_lock": replace_after_first_read})
    with pytest.raises(AliasLockTimeout, match="locked by carl"):
        take(registry, clock, "bob", writer=writer, timeout=1)
    assert registry.models[LOCK].tags["holder"] == "carl"


def test_a_lock_whose_answer_was_lost_is_ours(registry: FakeRegistry, clock: FakeClock) -> None:
    """MLflow's client retries a create whose answer was lost; the retry sees the name taken by
    our own first attempt, so create_lock says False while the lock carries our token."""
    writer = FakeWriter(registry)

    def create_then_report_taken(lock_name: str, tags: Mapping[str, str], description: str) -> None:
        writer.hooks.pop("create_lock")
        writer.create_lock(lock_name, tags, description)

    writer.hooks["create_lock"] = create_then_report_taken
    lock = take(registry, clock, "ana", writer=writer)
    assert registry.models[LOCK].tags["token"] == lock.token
    assert clock.slept == []


def test_verify_refuses_a_lease_about_to_end(registry: FakeRegistry, clock: FakeClock) -> None:
    lock = take(registry, clock, "ana")
    clock.advance(39)
    lock.verify()  # 21 s left
    clock.advance(2)
    with pytest.raises(LockLost, match="only 19 s of its lease left"):
        lock.verify()


def test_breaking_a_stale_lock_without_permission_says_who_must(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    take(registry, clock, "ana")
    clock.advance(120)

    def forbidden(lock_name: str) -> None:
        raise RegistryPermissionDenied("permission denied (HTTP 403)", uri="http://x", status=403)

    writer = FakeWriter(registry, {"delete_lock": forbidden})
    with pytest.raises(RegistryPermissionDenied) as info:
        take(registry, clock, "bob", writer=writer)
    message = str(info.value)
    assert "permission denied" in message
    assert "of ana expired at 2026-03-01T09:01:00Z" in message
    assert f"delete the registered model {LOCK!r}" in message
    assert info.value.exit_code == 2


def test_holding_releases_however_the_block_ends(registry: FakeRegistry, clock: FakeClock) -> None:
    writer = FakeWriter(registry)
    seen: list[list[str]] = []

    def fail_inside() -> None:
        with holding(
            writer, "titanic", "champion", holder="a", purpose="p", settings=settings(clock)
        ):
            seen.append(registry.locks())
            raise KeyError("boom")

    with pytest.raises(KeyError):
        fail_inside()
    assert seen == [[LOCK]]
    assert registry.locks() == []

    def down(lock_name: str) -> None:
        raise RegistryServerError(
            "the tracking server failed (HTTP 503)", uri="http://x", status=503
        )

    notes: list[str] = []
    writer.hooks["delete_lock"] = down
    with holding(
        writer,
        "titanic",
        "champion",
        holder="a",
        purpose="p",
        settings=settings(clock),
        released=notes,
    ):
        pass
    assert len(notes) == 1
    assert "could not be released" in notes[0]
    assert "expires at 2026-03-01T09:01:00Z" in notes[0]


def test_threads_take_turns(registry: FakeRegistry) -> None:
    """Eight real threads, real clock: each holds the lock alone, all of them get it."""
    inside: list[str] = []
    overlaps: list[str] = []
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        barrier.wait()
        quick = LockSettings(timeout=20, poll_min=0.001, poll_max=0.01)
        with holding(
            FakeWriter(registry), "titanic", "champion", holder=f"t{n}", purpose="p", settings=quick
        ):
            if inside:
                overlaps.append(f"t{n}")
            inside.append(f"t{n}")
            threading.Event().wait(0.002)
            inside.remove(f"t{n}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert registry.locks() == []
    assert registry.calls.count("delete_lock") == 8


@pytest.mark.parametrize(
    "bad", [{"lease": 10, "margin": 10}, {"timeout": -1}, {"poll_min": 0}, {"poll_max": 0.01}]
)
def test_lock_settings_must_leave_time_to_write(bad: dict[str, float]) -> None:
    with pytest.raises(DataError, match="lock settings need"):
        LockSettings(**bad)
