"""The history's hash chain and ``verify_history``: edits, deletions, reordering, moved aliases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from champion.actions import LockSettings, promote, read_history, verify_history
from champion.actions.audit import entry_hash, history_key

from .fake_writer import FakeClock, FakeRegistry, FakeWriter

KEY = "champion.history.champion.{:06d}"


@pytest.fixture
def registry(clock: FakeClock) -> FakeRegistry:
    registry = FakeRegistry(clock)
    registry.add_model("titanic", 6, champion="1")
    return registry


def promote_to(registry: FakeRegistry, clock: FakeClock, version: str, expected: str) -> None:
    settings = LockSettings(clock=clock, sleep=clock.sleep, jitter=lambda: 1.0)
    result = promote(FakeWriter(registry), "titanic", version, reason="r", user="ana",
                     expected=expected, force=True, settings=settings)  # fmt: skip
    assert result.outcome == "applied"


@pytest.fixture
def three(registry: FakeRegistry, clock: FakeClock) -> dict[str, str]:
    """Three applied promotions: 1 -> 2 -> 3 -> 4; the model's tags."""
    for before, version in (("1", "2"), ("2", "3"), ("3", "4")):
        promote_to(registry, clock, version, before)
    return registry.models["titanic"].tags


def problems(registry: FakeRegistry, clock: FakeClock) -> list[tuple[str, int | None, str]]:
    found = verify_history(FakeWriter(registry), "titanic", "champion", now=clock.now)
    return [(p.kind, p.seq, p.message) for p in found]


def edit(tags: dict[str, str], number: int, **changes: Any) -> None:
    """Rewrite stored entry ``number`` with ``changes`` (a key set to ... is removed)."""
    data = json.loads(tags[KEY.format(number)])
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not ...}
    tags[KEY.format(number)] = json.dumps(data, separators=(",", ":"))


def test_each_entry_carries_the_hash_of_the_one_before(
    registry: FakeRegistry, clock: FakeClock, three: dict[str, str]
) -> None:
    links = [json.loads(three[KEY.format(seq)])["prev"] for seq in (1, 2, 3)]
    assert links == ["", entry_hash(three[KEY.format(1)]), entry_hash(three[KEY.format(2)])]
    assert problems(registry, clock) == []


def test_a_changed_entry_is_reported(
    registry: FakeRegistry, clock: FakeClock, three: dict[str, str]
) -> None:
    edit(three, 2, reason="nothing to see here")
    assert problems(registry, clock) == [
        ("changed", 2, "entry #2 was changed after entry #3 was written")
    ]


def test_a_deleted_entry_is_reported(
    registry: FakeRegistry, clock: FakeClock, three: dict[str, str]
) -> None:
    del three[KEY.format(2)]
    assert problems(registry, clock) == [("missing", 2, "entry #2 is missing")]


def test_swapped_entries_are_reported(
    registry: FakeRegistry, clock: FakeClock, three: dict[str, str]
) -> None:
    three[KEY.format(1)], three[KEY.format(2)] = three[KEY.format(2)], three[KEY.format(1)]
    assert problems(registry, clock) == [
        ("reordered", 1, "entry #1 was moved: it was written as entry #2"),
        ("reordered", 2, "entry #2 was moved: it was written as entry #1"),
        ("reordered", 3, "entry #3 was written after entry #1, not #2"),
    ]


def test_renumbered_entries_are_reported(
    registry: FakeRegistry, clock: FakeClock, three: dict[str, str]
) -> None:
    """Entry #2 deleted and #3 rewritten as #2 (its own seq edited too): the gap is gone, but
    #2 does not follow #1."""
    three[KEY.format(2)] = three.pop(KEY.format(3))
    edit(three, 2, seq=2)
    registry.models["titanic"].aliases["champion"] = "4"
    found = problems(registry, clock)
    assert [(kind, seq) for kind, seq, _ in found] == [("changed", 1)]


def test_an_alias_moved_outside_champion_is_reported(
    registry: FakeRegistry, clock: FakeClock, three: dict[str, str]
) -> None:
    FakeWriter(registry).set_alias("titanic", "champion", "5")
    assert problems(registry, clock) == [
        ("moved", None, "@champion moved outside champion: now version 5 (entry #3 set version 4)")
    ]
    registry.models["titanic"].aliases.pop("champion")
    assert problems(registry, clock)[0][2].startswith(
        "@champion moved outside champion: now not set"
    )


def test_a_deleted_champion_is_not_a_problem(
    registry: FakeRegistry, clock: FakeClock, three: dict[str, str]
) -> None:
    registry.delete_version("titanic", "4")
    assert problems(registry, clock) == []


def test_entries_written_before_the_chain_start_it(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    promote_to(registry, clock, "2", "1")
    tags = registry.models["titanic"].tags
    edit(tags, 1, prev=...)  # as written before entries were chained
    promote_to(registry, clock, "3", "2")
    promote_to(registry, clock, "4", "3")
    assert json.loads(tags[KEY.format(2)])["prev"] == entry_hash(tags[KEY.format(1)])
    assert problems(registry, clock) == []
    # once the chain has started, an entry without a link was replaced
    edit(tags, 3, prev=...)
    assert problems(registry, clock) == [
        ("changed", 3, "entry #3 has no link to the entry before it")
    ]


def test_an_abandoned_entry_is_settled_before_it_is_linked(
    registry: FakeRegistry, clock: FakeClock
) -> None:
    """A writer that died with its entry pending: the next writer settles it first, then links
    to the settled value, so the chain stays intact."""
    promote_to(registry, clock, "2", "1")
    tags = registry.models["titanic"].tags
    edit(tags, 1, outcome="pending", token="gone")
    promote_to(registry, clock, "3", "2")
    assert [e.outcome for e in read_history(FakeWriter(registry), "titanic", now=clock.now)] == [
        "interrupted",
        "applied",
    ]
    assert json.loads(tags[history_key("champion", 2)])["prev"] == entry_hash(tags[KEY.format(1)])
    assert problems(registry, clock) == []
