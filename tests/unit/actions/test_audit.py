"""History entries: tag keys, encoding within MLflow's limit, pending entries, former holders."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from champion.actions import HistoryEntry, decode_entry, default_user, encode_entry
from champion.actions.audit import (
    MAX_REASON_LENGTH,
    entries_from_tags,
    history_key,
    next_seq,
    parse_history_key,
    parse_time,
    resolve_pending,
)
from champion.actions.status import former_holders
from champion.models.registry_writer import MAX_TAG_VALUE_LENGTH

AT = datetime(2026, 3, 1, 9, 30, 12, tzinfo=UTC)


def entry(
    seq: int, frm: str | None, to: str | None, outcome: str = "applied", **kw: object
) -> HistoryEntry:
    fields: dict[str, object] = {
        "seq": seq,
        "alias": "champion",
        "at": AT + timedelta(minutes=seq),
        "user": "ana@build-7",
        "action": "promote",
        "from_version": frm,
        "to_version": to,
        "reason": f"step {seq}",
        "outcome": outcome,
    }
    fields.update(kw)
    return HistoryEntry(**fields)  # type: ignore[arg-type]


def test_keys_sort_by_sequence_and_read_back() -> None:
    assert history_key("champion", 7) == "champion.history.champion.000007"
    assert parse_history_key("champion.history.champion.000007") == ("champion", 7)
    assert parse_history_key("champion.history.my-alias.2.000012") == ("my-alias.2", 12)
    for foreign in ("owner", "champion.history.", "champion.history.champion.x", "champion.demo"):
        assert parse_history_key(foreign) is None
    keys = [history_key("champion", n) for n in (10, 9, 100, 1)]
    assert sorted(keys) == [history_key("champion", n) for n in (1, 9, 10, 100)]


def test_an_entry_round_trips_through_its_tag() -> None:
    gate = {
        "passed": False,
        "champion": "1",
        "challenger": "2",
        "rules": [{"rule": "roc_auc:not-worse", "passed": False}],
    }
    original = entry(
        3, "1", "2", "applied", forced=True, gate=gate, note="gate failed, forced", token="abc"
    )
    text = encode_entry(original)
    stored = json.loads(text)
    assert stored["v"] == 1
    assert (stored["from"], stored["to"], stored["at"]) == ("1", "2", "2026-03-01T09:33:12Z")
    decoded = decode_entry(original.key, text)
    assert decoded == original
    assert decoded is not None
    assert decoded.gate_summary == "failed (roc_auc:not-worse)"
    assert decoded.to_dict()["at"] == "2026-03-01T09:33:12Z"
    none_versions = entry(1, None, None, "conflict")
    assert decode_entry(none_versions.key, encode_entry(none_versions)) == none_versions


def test_encoding_stays_within_the_tag_value_limit() -> None:
    rules = [
        {
            "rule": f"roc_auc:non-inferior:0.{i:04d}",
            "delta": 0.123456,
            "ci_low": -0.1,
            "ci_high": 0.2,
            "passed": i % 2 == 0,
        }
        for i in range(400)
    ]
    huge = entry(
        1,
        "1",
        "2",
        reason="why " * 5000,
        gate={"passed": False, "champion": "1", "challenger": "2", "rules": rules},
        note="n" * 5000,
        user="u" * 900,
    )
    text = encode_entry(huge)
    assert len(text) <= MAX_TAG_VALUE_LENGTH
    decoded = decode_entry(huge.key, text)
    assert decoded is not None
    assert decoded.reason.endswith("…")
    assert len(decoded.reason) <= MAX_REASON_LENGTH
    assert decoded.gate is not None
    assert decoded.gate["passed"] is False
    assert decoded.gate["rules_dropped"] == 400
    assert decoded.gate_summary.startswith(
        "failed (roc_auc:non-inferior:0.0001, roc_auc:non-inferior:0.0003, "
    )
    # a long reason alone is cut to MAX_REASON_LENGTH, and the gate is kept whole
    small_gate = {"passed": True, "rules": rules[:2]}
    long_reason = entry(2, "1", "2", reason="x" * 3000, gate=small_gate)
    decoded = decode_entry(long_reason.key, encode_entry(long_reason))
    assert decoded is not None
    assert len(decoded.reason) == MAX_REASON_LENGTH
    assert decoded.gate == small_gate


def test_a_value_that_is_not_an_entry_still_shows() -> None:
    for value in ("not json", "[1, 2]", json.dumps({"at": "yesterday"}), json.dumps({"to": "2"})):
        decoded = decode_entry("champion.history.champion.000004", value)
        assert decoded is not None
        assert decoded.outcome == "unreadable"
        assert decoded.seq == 4
        assert decoded.note == value
    assert decode_entry("some.other.tag", "{}") is None


def test_entries_from_tags_filter_and_order() -> None:
    tags = {e.key: encode_entry(e) for e in (entry(2, "1", "2"), entry(1, None, "1"))}
    other = entry(1, None, "5", alias="challenger")
    tags[other.key] = encode_entry(other)
    tags["owner"] = "team-a"
    assert [(e.alias, e.seq) for e in entries_from_tags(tags)] == [
        ("challenger", 1),
        ("champion", 1),
        ("champion", 2),
    ]
    champion = entries_from_tags(tags, "champion")
    assert [e.seq for e in champion] == [1, 2]
    assert next_seq(champion, "champion") == 3
    assert next_seq(champion, "challenger") == 1


def test_pending_entries_are_in_progress_or_interrupted() -> None:
    entries = [
        entry(1, None, "1"),
        entry(2, "1", "2", "pending", token="t2"),  # crashed after moving: entry 3 saw "2"
        entry(3, "2", "3", "pending", token="t3"),  # crashed before moving: entry 4 saw "2"
        entry(4, "2", "4", "pending", token="t4"),  # the latest: judged by the current value
    ]
    moved = resolve_pending(entries, {"champion": "4"}, {})
    assert [(e.outcome, e.note) for e in moved[1:]] == [
        ("interrupted", "alias was moved"),
        ("interrupted", "alias was not moved"),
        ("interrupted", "alias was moved"),
    ]
    not_moved = resolve_pending(entries, {"champion": "2"}, {})
    assert (not_moved[3].outcome, not_moved[3].note) == ("interrupted", "alias was not moved")
    live = resolve_pending(entries, {"champion": "2"}, {"champion": "t4"})
    assert (live[3].outcome, live[3].note) == ("pending", "in progress")
    assert live[1].outcome == "interrupted"


def rollback_entry(seq: int, frm: str, to: str) -> HistoryEntry:
    return entry(seq, frm, to, action="rollback")


@pytest.mark.parametrize(
    ("entries", "current", "holders"),
    [
        ([], "1", []),
        ([entry(1, None, "1")], "1", []),
        ([entry(1, None, "1"), entry(2, "1", "2")], "2", ["1"]),
        # refusals and conflicts are not holders
        (
            [entry(1, None, "1"), entry(2, "1", "2", "refused"), entry(3, "1", "3", "conflict")],
            "1",
            [],
        ),
        # rolling back twice goes further back, not forth
        (
            [
                entry(1, None, "1"),
                entry(2, "1", "2"),
                entry(3, "2", "3"),
                rollback_entry(4, "3", "2"),
            ],
            "2",
            ["1"],
        ),
        (
            [
                entry(1, "1", "2"),
                entry(2, "2", "3"),
                rollback_entry(3, "3", "2"),
                entry(4, "2", "4"),
            ],
            "4",
            ["2", "1"],
        ),
        # moved outside champion (5), then promoted: 5 held it before 6
        ([entry(1, None, "1"), entry(2, "1", "2"), entry(3, "5", "6")], "6", ["5", "2", "1"]),
        # a writer that crashed after moving the alias still made its version a holder
        (
            [entry(1, "1", "2", "interrupted", note="alias was moved"), entry(2, "2", "3")],
            "3",
            ["2", "1"],
        ),
        (
            [entry(1, "1", "2", "interrupted", note="alias was not moved"), entry(2, "1", "3")],
            "3",
            ["1"],
        ),
        # the alias was dropped (its version deleted): the last holder is still listed first
        ([entry(1, None, "1"), entry(2, "1", "2")], None, ["2", "1"]),
    ],
)
def test_former_holders_replay_the_applied_changes(
    entries: list[HistoryEntry], current: str | None, holders: list[str]
) -> None:
    assert former_holders(entries, "champion", current) == holders


def test_default_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ana")
    assert default_user() == "ana"
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
    monkeypatch.setattr("getpass.getuser", lambda: "bob")
    monkeypatch.setattr("socket.gethostname", lambda: "build-7")
    assert default_user() == "bob@build-7"


def test_parse_time_reads_utc() -> None:
    assert parse_time("2026-03-01T09:30:12Z") == datetime(2026, 3, 1, 9, 30, 12, tzinfo=UTC)
    assert parse_time("2026-03-01T10:30:12+01:00") == datetime(2026, 3, 1, 9, 30, 12, tzinfo=UTC)
    assert parse_time("2026-03-01T09:30:12") == datetime(2026, 3, 1, 9, 30, 12, tzinfo=UTC)
    assert parse_time("soon") is None
