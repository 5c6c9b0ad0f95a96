"""The history of alias changes, kept in the registry as tags of the registered model itself.

Format
------
One tag per attempt: key ``champion.history.<alias>.<seq>`` (``seq`` zero-padded to six digits,
counted per alias), value a compact JSON object::

    {"v": 1, "seq": 7, "at": "2026-03-01T09:30:12Z", "user": "ana@build-7",
     "action": "promote", "alias": "champion", "from": "3", "to": "4",
     "reason": "weekly retrain", "outcome": "applied", "forced": false,
     "gate": {"passed": true, "champion": "3", "challenger": "4", ...},
     "note": null, "token": "9f0c...", "prev": "5e1d..."}

``prev`` chains the entries of one alias: the sha256 of the stored value of the entry before it
(``""`` for an alias's first entry). Entries written before the chain existed have no ``prev``;
the first chained entry links to the last of them. ``verify_history`` checks the chain and that
the alias still holds what the last applied entry set.

Tags on the model need only EDIT permission on it, the same as moving the alias; other tools see
them, and they live as long as the model. A value never exceeds
:data:`~champion.models.registry_writer.MAX_TAG_VALUE_LENGTH` (5000) characters: the reason is cut
to 1000 characters, and an oversized gate record loses its rules before anything else.

Outcomes: ``pending`` (written before the alias moves), ``applied`` (after the alias was read back),
``refused`` (gate), ``conflict`` (the alias was not where the caller expected), ``failed`` (the
write failed and the alias did not move), ``interrupted`` (a pending entry whose writer vanished:
``note`` says whether the alias was moved).
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from champion.models import RegistryStateReader, lock_model_name
from champion.models.registry_writer import MAX_TAG_VALUE_LENGTH

HISTORY_PREFIX = "champion.history."
ENTRY_FORMAT = 1
MAX_REASON_LENGTH = 1000
_MAX_FIELD = 200  # user names, notes and versions are short; a longer one is cut
OUTCOMES = ("pending", "applied", "refused", "conflict", "failed", "interrupted")
MOVED, NOT_MOVED = "alias was moved", "alias was not moved"


def history_key(alias: str, seq: int) -> str:
    """The tag key of entry ``seq`` of ``alias``: ``champion.history.champion.000007``."""
    return f"{HISTORY_PREFIX}{alias}.{seq:06d}"


def parse_history_key(key: str) -> tuple[str, int] | None:
    """(alias, seq) of a history tag key, None for any other tag."""
    if not key.startswith(HISTORY_PREFIX):
        return None
    alias, _, seq = key.removeprefix(HISTORY_PREFIX).rpartition(".")
    return (alias, int(seq)) if alias and seq.isdigit() else None


def format_time(moment: datetime) -> str:
    """``2026-03-01T09:30:12Z``: UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime | None:
    """The UTC moment of an ISO-8601 text (``Z`` or an offset), or None if it is not one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def default_user() -> str:
    """Who acts, for a command line: ``MLFLOW_TRACKING_USERNAME`` if set, else user@host."""
    named = os.environ.get("MLFLOW_TRACKING_USERNAME", "").strip()
    if named:
        return named
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container's numeric uid)
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class HistoryEntry:
    """One attempt to move an alias, as recorded (see the module docstring for the fields).

    ``from_version`` is the alias's version when the attempt was decided (None: not set),
    ``to_version`` the version it was to point at; ``gate`` the stored gate record (None when no
    gate was evaluated); ``token`` the lock token of the writer (ties a pending entry to a lock);
    ``prev`` the hash of the entry of the same alias before it (None: written before entries
    were chained; "": the alias's first entry).
    """

    seq: int
    alias: str
    at: datetime
    user: str
    action: str
    from_version: str | None
    to_version: str | None
    reason: str
    outcome: str
    forced: bool = False
    gate: Mapping[str, Any] | None = None
    note: str | None = None
    token: str = ""
    prev: str | None = None

    @property
    def key(self) -> str:
        """The tag key this entry is stored under."""
        return history_key(self.alias, self.seq)

    @property
    def gate_summary(self) -> str:
        """``passed``, ``failed (roc_auc:not-worse)`` or ``none``, for tables."""
        if not self.gate:
            return "none"
        if self.gate.get("passed"):
            return "passed"
        failed = [
            str(r.get("rule"))
            for r in self.gate.get("rules") or []
            if isinstance(r, Mapping) and not r.get("passed")
        ] or [str(name) for name in self.gate.get("failed_rules") or []]
        return f"failed ({', '.join(failed)})" if failed else "failed"

    def with_outcome(self, outcome: str, note: str | None) -> HistoryEntry:
        """This entry with another outcome and note."""
        return dataclasses.replace(self, outcome=outcome, note=note)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with readable keys (``from_version``, ``to_version``)."""
        return {
            "seq": self.seq,
            "alias": self.alias,
            "at": format_time(self.at),
            "user": self.user,
            "action": self.action,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "reason": self.reason,
            "outcome": self.outcome,
            "forced": self.forced,
            "gate": dict(self.gate) if self.gate is not None else None,
            "note": self.note,
        }


def entry_hash(value: str) -> str:
    """The link to a stored entry: the sha256 (hex) of its tag value, exactly as stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def _record(entry: HistoryEntry, reason: str, gate: Any) -> dict[str, Any]:
    chain = {} if entry.prev is None else {"prev": entry.prev}
    return {
        "v": ENTRY_FORMAT,
        "seq": entry.seq,
        "at": format_time(entry.at),
        "user": _cut(entry.user, _MAX_FIELD),
        "action": entry.action,
        "alias": entry.alias,
        "from": entry.from_version,
        "to": entry.to_version,
        "reason": reason,
        "outcome": entry.outcome,
        "forced": entry.forced,
        "gate": gate,
        "note": _cut(entry.note, _MAX_FIELD * 2) if entry.note else None,
        "token": entry.token,
        **chain,
    }


def _smaller_gate(gate: Mapping[str, Any]) -> dict[str, Any]:
    """The gate record without its rules (their count and the first 20 failed rules' names are
    kept): passed/failed, versions and test set."""
    rules = gate.get("rules") or []
    failed = [r.get("rule") for r in rules if isinstance(r, Mapping) and not r.get("passed")]
    kept = {k: v for k, v in gate.items() if k != "rules"}
    names = [_cut(str(f), 60) for f in failed[:20]]
    return {**kept, "rules_dropped": len(rules), "failed_rules": names}


def encode_entry(entry: HistoryEntry) -> str:
    """The tag value of an entry: compact JSON of at most MAX_TAG_VALUE_LENGTH characters.

    The reason is cut to MAX_REASON_LENGTH; if that is still too long the gate record keeps only
    passed/failed, its versions and the failed rules' names, then the reason is cut further.
    """
    gate = dict(entry.gate) if entry.gate is not None else None
    attempts = [
        (_cut(entry.reason, MAX_REASON_LENGTH), gate),
        (_cut(entry.reason, MAX_REASON_LENGTH), _smaller_gate(gate) if gate else None),
        (_cut(entry.reason, 200), {"passed": gate.get("passed")} if gate else None),
    ]
    for reason, stored_gate in attempts:
        text = json.dumps(_record(entry, reason, stored_gate), separators=(",", ":"))
        if len(text) <= MAX_TAG_VALUE_LENGTH:
            return text
    raise AssertionError("a history entry without its gate rules always fits")  # pragma: no cover


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def decode_entry(key: str, value: str) -> HistoryEntry | None:
    """The entry stored under a history tag, or None if the key or value is not one.

    A value that is not champion's JSON (edited by hand, another tool) becomes an entry with
    outcome ``unreadable`` and the raw text as its note, so it still shows in the history.
    """
    parsed_key = parse_history_key(key)
    if parsed_key is None:
        return None
    alias, seq = parsed_key
    try:
        data = json.loads(value)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        at = parse_time(str(data["at"]))
        if at is None:
            raise ValueError("bad time")
        gate = data.get("gate")
        return HistoryEntry(
            seq=seq,
            alias=alias,
            at=at,
            user=str(data.get("user") or "unknown"),
            action=str(data.get("action") or "promote"),
            from_version=_optional(data.get("from")),
            to_version=_optional(data.get("to")),
            reason=str(data.get("reason") or ""),
            outcome=str(data.get("outcome") or "unknown"),
            forced=bool(data.get("forced", False)),
            gate=gate if isinstance(gate, dict) else None,
            note=_optional(data.get("note")),
            token=str(data.get("token") or ""),
            prev=None if data.get("prev") is None else str(data["prev"]),
        )
    except (ValueError, KeyError, TypeError):
        return HistoryEntry(
            seq=seq,
            alias=alias,
            at=datetime.fromtimestamp(0, tz=UTC),
            user="unknown",
            action="unknown",
            from_version=None,
            to_version=None,
            reason="",
            outcome="unreadable",
            note=_cut(value, 300),
        )


def entries_from_tags(tags: Mapping[str, str], alias: str | None = None) -> list[HistoryEntry]:
    """Every history entry among a model's tags (of one alias if given), by alias and seq."""
    found = [decode_entry(k, v) for k, v in tags.items()]
    entries = [e for e in found if e is not None and (alias is None or e.alias == alias)]
    return sorted(entries, key=lambda e: (e.alias, e.seq))


def next_seq(entries: Sequence[HistoryEntry], alias: str) -> int:
    """The next free sequence number of ``alias`` (1 for the first entry)."""
    return max((e.seq for e in entries if e.alias == alias), default=0) + 1


def took_effect(entry: HistoryEntry) -> bool:
    """Whether the attempt moved the alias: applied, or interrupted after moving it."""
    return entry.outcome == "applied" or (entry.outcome == "interrupted" and entry.note == MOVED)


def interrupted(entry: HistoryEntry, alias_after: str | None) -> HistoryEntry:
    """A pending entry whose writer is gone, judged by the alias's value after the attempt."""
    moved = alias_after == entry.to_version
    return entry.with_outcome("interrupted", MOVED if moved else NOT_MOVED)


def resolve_pending(
    entries: Sequence[HistoryEntry],
    current: Mapping[str, str],
    live_tokens: Mapping[str, str],
) -> list[HistoryEntry]:
    """Entries with each abandoned ``pending`` one marked ``interrupted``.

    A pending entry is still in progress when the lock of its alias is alive with its token
    (``live_tokens``: alias -> token of the live lock); else its writer crashed or lost the
    connection between writing the entry and finishing. Whether the alias was moved is read from
    the next entry of the same alias (its ``from_version`` is what the alias held then) or, for
    the latest entry, from the alias's current value (``current``: alias -> version).
    """
    by_alias: dict[str, list[HistoryEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.alias, e.seq)):
        by_alias.setdefault(entry.alias, []).append(entry)
    resolved: list[HistoryEntry] = []
    for alias, items in by_alias.items():
        for i, entry in enumerate(items):
            if entry.outcome != "pending":
                resolved.append(entry)
            elif entry.token and live_tokens.get(alias) == entry.token:
                resolved.append(entry.with_outcome("pending", "in progress"))
            else:
                after = items[i + 1].from_version if i + 1 < len(items) else current.get(alias)
                resolved.append(interrupted(entry, after))
    return resolved


def live_lock_token(reader: RegistryStateReader, name: str, alias: str, now: datetime) -> str:
    """The token of the live (unexpired) lock on ``name@alias``, or an empty string."""
    record = reader.read_lock(lock_model_name(name, alias))
    if record is None:
        return ""
    expires = parse_time(record.tags.get("expires_at", ""))
    return record.tags.get("token", "") if expires is not None and expires > now else ""


def read_history(
    reader: RegistryStateReader,
    name: str,
    alias: str | None = None,
    *,
    now: datetime | None = None,
) -> list[HistoryEntry]:
    """Every recorded attempt on ``name``'s aliases (or on ``alias``), oldest first.

    Pending entries are reported as in progress or interrupted (see ``resolve_pending``; a lock
    is alive until its ``expires_at``, judged at ``now``, default the current time); nothing is
    written.
    """
    state = reader.model_state(name)
    entries = entries_from_tags(state.tags, alias)
    now = now or datetime.now(UTC)
    pending_aliases = {e.alias for e in entries if e.outcome == "pending"}
    live = {a: live_lock_token(reader, name, a, now) for a in pending_aliases}
    resolved = resolve_pending(entries, state.aliases, live)
    return sorted(resolved, key=lambda e: (e.at, e.alias, e.seq))
