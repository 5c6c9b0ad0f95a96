"""promote and rollback on the in-memory registry: compare-and-set, gate, history, failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from champion.actions import (
    ActionResult,
    LockLost,
    LockSettings,
    promote,
    read_history,
    rollback,
)
from champion.errors import ConcurrentAliasChange, DataError, GateFailed, ModelError
from champion.evaluation import GateCheck, evaluate_gate, parse_rules
from champion.evaluation.compare import MetricDelta
from champion.models import RegistryPermissionDenied, RegistryServerError

from .fake_writer import FakeClock, FakeRegistry, FakeWriter

LOCK = "champion-lock.titanic.champion"


@pytest.fixture
def registry(clock: FakeClock) -> FakeRegistry:
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 6, champion="1")
    return registry


@pytest.fixture
def writer(registry: FakeRegistry) -> FakeWriter:
    return FakeWriter(registry)


def gate(champion: str, challenger: str, low: float, high: float) -> GateCheck:
    deltas = {
        "roc_auc": MetricDelta("roc_auc", (low + high) / 2, low, high, 0.3, "delong", "-", "-")
    }
    verdict = evaluate_gate(deltas, parse_rules([]))
    return GateCheck(champion, challenger, verdict, "f" * 64, 143, "titanic.csv")


def run(writer: FakeWriter, clock: FakeClock, version: str, **kw: Any) -> ActionResult:
    options: dict[str, Any] = {"reason": "weekly retrain", "user": "ana", "expected": "1"}
    options.update(kw)
    settings = LockSettings(clock=clock, sleep=clock.sleep, jitter=lambda: 1.0, timeout=3)
    return promote(writer, "titanic", version, settings=settings, **options)


def history(writer: FakeWriter, clock: FakeClock) -> list[tuple[int, str, str | None, str | None]]:
    return [
        (e.seq, e.outcome, e.from_version, e.to_version)
        for e in read_history(writer, "titanic", now=clock.now)
    ]


def test_promote_with_a_passing_gate_moves_the_alias_and_records_it(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    result = run(writer, clock, "2", gate=gate("1", "2", -0.02, 0.05))
    assert result.outcome == "applied"
    assert (result.from_version, result.to_version, result.seq) == ("1", "2", 1)
    assert result.message.startswith("moved @champion from version 1 to version 2; gate passed")
    assert registry.alias("titanic", "champion") == "2"
    assert registry.locks() == []
    [entry] = read_history(writer, "titanic")
    assert (entry.outcome, entry.user, entry.reason, entry.forced) == (
        "applied",
        "ana",
        "weekly retrain",
        False,
    )
    assert entry.at == clock.now
    assert entry.gate is not None
    assert entry.gate["passed"] is True
    assert entry.gate["rules"][0]["ci_low"] == -0.02
    result.raise_for_outcome()  # nothing to raise
    # the order of writes: lock, pending entry, alias, applied entry, release
    writes = [
        c
        for c in registry.calls
        if c in ("create_lock", "set_model_tag", "set_alias", "delete_lock")
    ]
    assert writes == ["create_lock", "set_model_tag", "set_alias", "set_model_tag", "delete_lock"]


def test_a_stale_expectation_is_a_recorded_conflict(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    registry.models["titanic"].aliases["champion"] = "3"  # someone else promoted 3 meanwhile
    result = run(writer, clock, "2", gate=gate("1", "2", -0.02, 0.05))
    assert result.outcome == "conflict"
    assert "champion changed: now version 3 (you expected version 1)" in result.message
    assert registry.alias("titanic", "champion") == "3"
    assert history(writer, clock) == [(1, "conflict", "3", "2")]
    assert registry.locks() == []
    with pytest.raises(ConcurrentAliasChange, match="champion changed: now version 3") as info:
        result.raise_for_outcome()
    assert info.value.exit_code == 3


def test_the_alias_moving_while_waiting_for_the_lock_is_a_conflict(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    """Read at the start says 1; another writer moves it to 4 before we hold the lock."""

    def sneak_in(*args: object) -> None:
        writer.hooks.pop("create_lock")
        registry.models["titanic"].aliases["champion"] = "4"

    writer.hooks["create_lock"] = sneak_in
    result = run(writer, clock, "2", gate=gate("1", "2", -0.02, 0.05))
    assert result.outcome == "conflict"
    assert "now version 4" in result.message
    assert registry.alias("titanic", "champion") == "4"


def test_a_failed_gate_refuses_and_force_overrides_it_on_the_record(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    failing = gate("1", "2", -0.09, -0.01)
    refused = run(writer, clock, "2", gate=failing)
    assert refused.outcome == "refused"
    assert "the gate failed: roc_auc:not-worse: failed: ROC AUC difference" in refused.message
    assert registry.alias("titanic", "champion") == "1"
    with pytest.raises(GateFailed) as info:
        refused.raise_for_outcome()
    assert info.value.exit_code == 1
    forced = run(writer, clock, "2", gate=failing, force=True)
    assert forced.outcome == "applied"
    assert forced.forced is True
    assert registry.alias("titanic", "champion") == "2"
    entries = read_history(writer, "titanic")
    assert [(e.seq, e.outcome, e.forced) for e in entries] == [
        (1, "refused", False),
        (2, "applied", True),
    ]
    assert entries[1].note is not None
    assert entries[1].note.startswith("gate failed, forced: failed (roc_auc:not-worse FAILED)")
    assert entries[1].gate_summary == "failed (roc_auc:not-worse)"


def test_without_a_gate_a_champion_is_replaced_only_by_force(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    refused = run(writer, clock, "2")
    assert refused.outcome == "refused"
    assert "no gate verdict" in refused.message
    forced = run(writer, clock, "2", force=True)
    assert (forced.outcome, forced.forced) == ("applied", True)
    assert "gate skipped (forced)" in forced.message
    assert [e.note for e in read_history(writer, "titanic")] == [None, "gate skipped (forced)"]


def test_the_first_champion_needs_no_gate(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    registry.models["titanic"].aliases.clear()
    result = run(writer, clock, "3", expected=None)
    assert result.outcome == "applied"
    assert "no current champion: no gate to pass" in result.message
    assert registry.alias("titanic", "champion") == "3"


def test_a_dry_run_writes_nothing(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    result = run(writer, clock, "2", gate=gate("1", "2", -0.09, -0.01), dry_run=True)
    assert (result.outcome, result.planned, result.seq) == ("dry_run", "refused", None)
    assert result.message.startswith("dry run (nothing written): would refuse to move @champion")
    with pytest.raises(GateFailed, match="dry run"):
        result.raise_for_outcome()  # a dry run can serve as a check
    ok = run(writer, clock, "2", gate=gate("1", "2", -0.01, 0.05), dry_run=True)
    assert ok.planned == "applied"
    assert "would move @champion from version 1 to version 2; gate passed" in ok.message
    ok.raise_for_outcome()
    stale = run(writer, clock, "2", expected="5", dry_run=True)
    assert stale.planned == "conflict"
    with pytest.raises(ConcurrentAliasChange):
        stale.raise_for_outcome()
    assert {"create_lock", "set_model_tag", "set_alias"}.isdisjoint(registry.calls)
    assert registry.models["titanic"].tags == {}


def test_requests_that_make_no_sense_are_refused_before_anything(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    with pytest.raises(DataError, match="give a reason"):
        run(writer, clock, "2", reason="   ")
    with pytest.raises(DataError, match="compares version 3 with version 1, not version 2"):
        run(writer, clock, "2", gate=gate("1", "3", 0.0, 0.1))
    with pytest.raises(ModelError, match="has no version 9"):
        run(writer, clock, "9")
    with pytest.raises(ModelError, match="no model named 'nope'"):
        promote(writer, "nope", "1", reason="r", user="u", expected=None)
    unchanged = run(writer, clock, "1")
    assert unchanged.outcome == "unchanged"
    assert "create_lock" not in registry.calls


def test_permission_denied_leaves_no_trace(registry: FakeRegistry, clock: FakeClock) -> None:
    def forbidden(*args: object) -> None:
        raise RegistryPermissionDenied(
            "permission denied (HTTP 403): no EDIT", uri="http://x", status=403
        )

    reader = FakeWriter(registry, {"set_model_tag": forbidden, "set_alias": forbidden})
    with pytest.raises(RegistryPermissionDenied, match="permission denied"):
        run(reader, clock, "2", gate=gate("1", "2", -0.01, 0.05))
    assert registry.alias("titanic", "champion") == "1"
    assert registry.locks() == []
    assert registry.models["titanic"].tags == {}


def test_a_failed_alias_write_is_recorded_as_failed(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    def down(*args: object) -> None:
        raise RegistryServerError(
            "the tracking server failed (HTTP 503)", uri="http://x", status=503
        )

    writer = FakeWriter(registry, {"set_alias": down})
    with pytest.raises(RegistryServerError):
        run(writer, clock, "2", gate=gate("1", "2", -0.01, 0.05))
    assert registry.alias("titanic", "champion") == "1"
    assert registry.locks() == []
    [entry] = read_history(writer, "titanic")
    assert entry.outcome == "failed"
    assert entry.note is not None
    assert "HTTP 503" in entry.note


def test_an_alias_write_that_landed_despite_an_error_is_applied(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    def lands_then_fails(name: str, alias: str, version: str) -> None:
        registry.models[name].aliases[alias] = version
        raise RegistryServerError("read timed out", uri="http://x", status=None)

    writer = FakeWriter(registry, {"set_alias": lands_then_fails})
    result = run(writer, clock, "2", gate=gate("1", "2", -0.01, 0.05))
    assert result.outcome == "applied"
    [entry] = read_history(writer, "titanic")
    assert entry.outcome == "applied"
    assert entry.note is not None
    assert "moved although the write reported: read timed out" in entry.note


def test_a_lock_lost_before_writing_moves_nothing(registry: FakeRegistry, clock: FakeClock) -> None:
    writer = FakeWriter(registry)

    def slow_registry(*args: object) -> None:
        clock.advance(45)  # the pending write took most of the lease

    writer.hooks["set_model_tag"] = slow_registry
    with pytest.raises(LockLost, match="lease left"):
        run(writer, clock, "2", gate=gate("1", "2", -0.01, 0.05))
    assert registry.alias("titanic", "champion") == "1"
    assert [e.outcome for e in read_history(writer, "titanic")] == ["failed"]


def test_a_crash_after_the_alias_write_is_reported_and_settled(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    """The process dies between moving the alias and marking the entry applied: the entry stays
    pending and the lock stays until it expires."""
    writer = FakeWriter(registry)
    writes = 0

    def die_on_second_tag(*args: object) -> None:
        nonlocal writes
        writes += 1
        if writes == 2:
            writer.hooks["delete_lock"] = die_on_second_tag
            raise SystemExit("killed")
        if writes == 3:
            raise SystemExit("still dying")

    writer.hooks["set_model_tag"] = die_on_second_tag
    with pytest.raises(SystemExit):
        run(writer, clock, "2", gate=gate("1", "2", -0.01, 0.05))
    assert registry.alias("titanic", "champion") == "2"
    assert registry.locks() == [LOCK]
    assert [(e.outcome, e.note) for e in read_history(writer, "titanic", now=clock.now)] == [
        ("pending", "in progress")
    ]
    clock.advance(61)
    assert [(e.outcome, e.note) for e in read_history(writer, "titanic", now=clock.now)] == [
        ("interrupted", "alias was moved")
    ]
    # the next writer breaks the stale lock and settles the entry for good
    nxt = run(FakeWriter(registry), clock, "3", expected="2", gate=gate("2", "3", -0.01, 0.05))
    assert nxt.outcome == "applied"
    assert [(e.seq, e.outcome, e.note) for e in read_history(writer, "titanic", now=clock.now)] == [
        (1, "interrupted", "alias was moved"),
        (2, "applied", None),
    ]
    assert registry.locks() == []


def test_a_deleted_champion_is_explained_and_can_be_replaced(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    assert run(writer, clock, "2", gate=gate("1", "2", -0.01, 0.05)).outcome == "applied"
    clock.advance(3600)
    registry.delete_version("titanic", "2")
    assert registry.alias("titanic", "champion") is None
    result = run(writer, clock, "3", expected=None)
    assert result.outcome == "applied"
    assert result.notes == (
        "no current champion (version 2, last promoted 2026-03-01T09:00:00Z by ana, was deleted)",
    )
    assert registry.alias("titanic", "champion") == "3"


def test_ten_threads_one_winner(registry: FakeRegistry) -> None:
    registry.add_model("titanic", 11)
    barrier = threading.Barrier(10)
    results: dict[str, ActionResult] = {}

    def attempt(version: str) -> None:
        barrier.wait()
        settings = LockSettings(timeout=30, poll_min=0.001, poll_max=0.01)
        writer = FakeWriter(registry)
        results[version] = promote(
            writer, "titanic", version, reason="race", user="u", expected=None, settings=settings
        )

    threads = [threading.Thread(target=attempt, args=(str(v),)) for v in range(2, 12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 10
    outcomes = [r.outcome for r in results.values()]
    assert outcomes.count("applied") == 1
    winner = next(r.to_version for r in results.values() if r.outcome == "applied")
    assert registry.alias("titanic", "champion") == winner
    entries = read_history(FakeWriter(registry), "titanic")
    assert sorted(e.seq for e in entries) == list(range(1, 11))
    assert [e.outcome for e in entries].count("applied") == 1
    assert {e.outcome for e in entries} == {"applied", "conflict"}


def test_rollback_returns_to_the_previous_holder_from_history(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    settings = LockSettings(clock=clock, sleep=clock.sleep)
    run(writer, clock, "4", force=True)  # 1 -> 4
    run(writer, clock, "2", expected="4", force=True)  # 4 -> 2
    result = rollback(
        writer, "titanic", reason="bad metrics", user="bob", expected="2", settings=settings
    )
    assert (result.outcome, result.from_version, result.to_version) == ("applied", "2", "4")
    assert result.message.startswith("moved @champion back from version 2 to version 4")
    # again: further back (to 1), not forth (to 2)
    again = rollback(
        writer, "titanic", reason="still bad", user="bob", expected="4", settings=settings
    )
    assert again.to_version == "1"
    assert registry.alias("titanic", "champion") == "1"
    entries = read_history(writer, "titanic")
    assert [(e.action, e.from_version, e.to_version) for e in entries] == [
        ("promote", "1", "4"),
        ("promote", "4", "2"),
        ("rollback", "2", "4"),
        ("rollback", "4", "1"),
    ]
    with pytest.raises(ModelError, match="no earlier holder of @champion"):
        rollback(writer, "titanic", reason="r", user="bob", expected="1", settings=settings)


def test_rollback_refuses_a_deleted_previous_holder_and_checks_to(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    settings = LockSettings(clock=clock, sleep=clock.sleep)
    run(writer, clock, "2", force=True)  # 1 -> 2
    run(writer, clock, "3", expected="2", force=True)  # 2 -> 3
    registry.delete_version("titanic", "2")
    with pytest.raises(ModelError) as info:
        rollback(writer, "titanic", reason="r", user="bob", expected="3", settings=settings)
    assert "version 2 held @champion of 'titanic' before version 3, but it has been deleted" in str(
        info.value
    )
    assert "--to one of 1" in str(info.value)
    assert registry.alias("titanic", "champion") == "3"
    with pytest.raises(ModelError, match="version 5 never held @champion"):
        rollback(writer, "titanic", reason="r", user="bob", expected="3", to="5", settings=settings)
    to_one = rollback(
        writer, "titanic", reason="r", user="bob", expected="3", to="1", settings=settings
    )
    assert to_one.to_version == "1"
    stale = rollback(writer, "titanic", reason="r", user="bob", expected="3", settings=settings)
    assert stale.outcome == "conflict"
    assert "champion changed: now version 1" in stale.message


def test_rollback_after_the_champion_was_deleted_goes_to_the_one_before(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock
) -> None:
    settings = LockSettings(clock=clock, sleep=clock.sleep)
    run(writer, clock, "2", force=True)
    registry.delete_version("titanic", "2")
    dry = rollback(
        writer, "titanic", reason="r", user="bob", expected=None, dry_run=True, settings=settings
    )
    assert (dry.outcome, dry.planned, dry.to_version) == ("dry_run", "applied", "1")
    assert "create_lock" not in registry.calls[-3:]
    result = rollback(writer, "titanic", reason="r", user="bob", expected=None, settings=settings)
    assert (result.from_version, result.to_version) == (None, "1")
    assert registry.alias("titanic", "champion") == "1"


@pytest.mark.parametrize(
    ("alias", "why"),
    [
        ("latest", "reserved"),
        ("LATEST", "reserved"),
        ("v3", "reserved"),
        ("", "is empty"),
        ("bad alias!", "only letters"),
        ("x" * 256, "longer than 255"),
    ],
)
def test_an_alias_name_mlflow_refuses_is_refused_first(
    registry: FakeRegistry, writer: FakeWriter, clock: FakeClock, alias: str, why: str
) -> None:
    tags_before = dict(writer.model_state("titanic").tags)
    with pytest.raises(ModelError, match=why):
        run(writer, clock, "2", alias=alias, force=True)
    settings = LockSettings(clock=clock, sleep=clock.sleep, jitter=lambda: 1.0, timeout=3)
    with pytest.raises(ModelError, match=why):
        rollback(
            writer, "titanic", alias=alias, reason="r", user="ana", expected=None, settings=settings
        )
    assert registry.locks() == []  # no lock taken
    assert dict(writer.model_state("titanic").tags) == tags_before  # no history entry
    assert registry.alias("titanic", "champion") == "1"
    assert run(writer, clock, "2", alias="challenger-2_b", expected=None).outcome == "applied"
