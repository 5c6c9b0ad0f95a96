"""A lock that lives in the registry, so that reading, checking and moving an alias is one step.

MLflow aliases are last-writer-wins: two clients that both read "@champion is version 3" and then
write would both succeed. champion serialises its writers of one ``model@alias`` with a lock
that every client of the registry sees, whatever process or machine it runs on:

- **Acquire**: create the registered model ``champion-lock.<model>.<alias>`` with the tags
  ``token`` (random), ``holder`` (who), ``purpose`` and ``expires_at`` (UTC, now + lease). MLflow
  refuses a second model of the same name (``RESOURCE_ALREADY_EXISTS``), so exactly one creator
  wins. If the name is taken by a lock carrying *our* token, an earlier attempt of ours succeeded
  on the server but its answer was lost (the client retried): we hold it.
- **Wait**: others poll with jittered exponential backoff (0.05 s doubling to 1 s, each sleep a
  random 50-100% of that) up to ``timeout`` (30 s), then fail with who holds the lock until when.
- **Expire**: a lock past ``expires_at`` (lease 60 s) is stale: its holder crashed or hung. A
  waiter removes it with a *fenced delete* (below), then competes for the lock like everyone
  else.
- **Write safely**: right before moving the alias the holder reads the lock again (``verify``):
  it must still carry its token with at least ``margin`` (20 s) of lease left, else it stops.
  After the write it checks once more (``held``): a lock lost meanwhile makes the attempt a
  conflict, never ``applied``.
- **Release**: delete the lock model (in ``finally``), only if it still carries our token: at
  once while at least ``margin`` of the lease is left (no one may break it before it expires),
  else through a fenced delete.

Fenced delete: MLflow deletes a registered model by name, with no compare-and-delete, so "read
the lock, see token T, delete" could remove a lock someone else took between the read and the
delete. The token is the fence: the right to delete the lock carrying T is itself a registered
model, ``champion-lock.break.<T>.<n>``, that only one client can create. The claimant reads
the lock again and deletes it only if it still carries T (and, for a breaker, is still expired),
then removes its claim. Only the claimant of T ever deletes T, so between its read and its
delete no one can replace T: the delete removes the lock it read. A claim whose claimant
vanished expires after ``lease``; the next claim of T then takes level ``n + 1`` (names are never
reused, so taking over needs no delete).

Remaining windows (documented in docs/promote-and-rollback.md): a holder whose alias write takes
longer than ``margin`` after ``verify`` (the HTTP budget bounds one request to about 15 s), a
claimant that hangs for a whole lease between its read and its delete, and clocks of different
clients that disagree by more than a few seconds, since ``expires_at`` is written with the
holder's clock and judged with the waiter's.

Under MLflow's basic-auth the creator of a lock model gets MANAGE on it and others only the
default permission, so a *stale* lock of another user can only be deleted by that user or an
admin; champion says so instead of waiting forever.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from champion.actions.audit import format_time, parse_time
from champion.errors import ConcurrentAliasChange, DataError, RegistryError
from champion.models import LockRecord, RegistryPermissionDenied, RegistryWriter, lock_model_name
from champion.models.registry_writer import LOCK_PREFIX, UC_LOCK_PREFIX

#: claims to delete the lock carrying a token: ``champion-lock.break.<token>.<level>``
#: (``catalog.schema.champion_lock__break__<token>__<level>`` beside a three-level name)
#: a claim whose claimant vanished is taken over at the next level, at most this many times
MAX_CLAIM_LEVELS = 20


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LockSettings:
    """How long to wait for a lock, how long one is valid, and the clock and sleep to use.

    ``timeout``: seconds a writer waits for the lock. ``lease``: seconds a lock is valid after
    it is taken. ``margin``: the least lease left at which a holder still moves the alias.
    ``poll_min`` / ``poll_max``: the first and the longest pause between attempts.
    """

    timeout: float = 30.0
    lease: float = 60.0
    margin: float = 20.0
    poll_min: float = 0.05
    poll_max: float = 1.0
    clock: Callable[[], datetime] = field(default=_utc_now, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def __post_init__(self) -> None:
        if not (self.timeout >= 0 and 0 <= self.margin < self.lease):
            raise DataError(
                f"lock settings need timeout >= 0 and 0 <= margin < lease; got timeout="
                f"{self.timeout}, margin={self.margin}, lease={self.lease}."
            )
        if not 0 < self.poll_min <= self.poll_max:
            raise DataError("lock settings need 0 < poll_min <= poll_max.")


class AliasLockTimeout(ConcurrentAliasChange):
    """Another writer held the alias's lock for longer than the caller would wait."""


class LockLost(ConcurrentAliasChange):
    """The lock expired or was taken over before the alias was written: nothing was moved."""


@dataclass(frozen=True)
class LockView:
    """A lock as read from the registry: its token, holder, purpose and expiry (UTC)."""

    token: str
    holder: str
    purpose: str
    expires_at: datetime
    fence: str = ""

    @classmethod
    def of(cls, record: LockRecord, lease: float) -> LockView:
        """Read a lock model's tags; a lock without a readable ``expires_at`` (made by hand)
        expires ``lease`` seconds after the server created it. ``fence`` names this very lock:
        its token, or for a lock without one a hash of its name and creation time."""
        tags = record.tags
        expires = parse_time(tags.get("expires_at", ""))
        if expires is None:
            expires = record.created + timedelta(seconds=lease)
        token = tags.get("token", "")
        fence = token if token.isalnum() and len(token) <= 64 else ""
        if not fence:
            made = f"{record.name}\n{record.created.isoformat()}\n{token}".encode()
            fence = hashlib.sha256(made).hexdigest()[:32]
        return cls(
            token=token,
            holder=tags.get("holder", "unknown"),
            purpose=tags.get("purpose", ""),
            expires_at=expires,
            fence=fence,
        )


class AliasLock:
    """A held lock on ``model@alias``; ``verify`` before writing, ``release`` when done."""

    def __init__(
        self,
        writer: RegistryWriter,
        lock_name: str,
        token: str,
        expires_at: datetime,
        settings: LockSettings,
    ) -> None:
        self.writer = writer
        self.lock_name = lock_name
        self.token = token
        self.expires_at = expires_at
        self.settings = settings

    def verify(self) -> None:
        """Raise LockLost unless the lock still carries our token with ``margin`` s left."""
        record = self.writer.read_lock(self.lock_name)
        now = self.settings.clock()
        if record is None or record.tags.get("token") != self.token:
            raise LockLost(
                f"the lock {self.lock_name!r} was taken over before the alias was written (it "
                "had expired or was removed); nothing was moved: try again"
            )
        left = (self.expires_at - now).total_seconds()
        if left < self.settings.margin:
            raise LockLost(
                f"the lock {self.lock_name!r} has only {max(left, 0):.0f} s of its lease left, "
                f"less than the {self.settings.margin:.0f} s a safe write needs (the registry is "
                "slow?); nothing was moved: try again"
            )

    def held(self) -> bool:
        """Whether the lock still carries our token (after the alias write: if not, someone
        took it over meanwhile and the write may have interleaved with theirs)."""
        record = self.writer.read_lock(self.lock_name)
        return record is not None and record.tags.get("token") == self.token

    def release(self) -> bool:
        """Delete the lock model if it still carries our token; whether it was deleted.

        With at least ``margin`` of the lease left no one may break the lock before our delete
        lands, so it goes at once; later it goes through a fenced delete (see the module).
        """
        record = self.writer.read_lock(self.lock_name)
        if record is None or record.tags.get("token") != self.token:
            return False
        left = (self.expires_at - self.settings.clock()).total_seconds()
        if left >= self.settings.margin:
            return self.writer.delete_lock(self.lock_name)
        seen = LockView.of(record, self.settings.lease)
        done = fenced_delete(self.writer, self.lock_name, seen, self.settings, stale_only=False)
        return bool(done)


def claim_name(fence: str, level: int, lock_name: str = "") -> str:
    """The registered model whose creation grants the right to delete the lock ``fence``
    (``lock_name``'s namespace: beside it for a three-level name)."""
    namespace, _, last = lock_name.rpartition(".")
    if last.startswith(UC_LOCK_PREFIX):
        return f"{namespace}.{UC_LOCK_PREFIX}break__{fence}__{level}"
    return f"{LOCK_PREFIX}break.{fence}.{level}"


def _claim(
    writer: RegistryWriter, lock_name: str, seen: LockView, settings: LockSettings
) -> int | None:
    """Create a claim on deleting the lock ``seen``: its level, or None while another client's
    live claim exists (it is removing that lock now)."""
    token = uuid.uuid4().hex
    for level in range(1, MAX_CLAIM_LEVELS + 1):
        name = claim_name(seen.fence, level, lock_name)
        now = settings.clock()
        tags = {
            "token": token,
            "purpose": f"removing the lock {lock_name!r}",
            "acquired_at": format_time(now),
            "expires_at": (now + timedelta(seconds=settings.lease)).isoformat(
                timespec="milliseconds"
            ),
        }
        description = (
            f"champion's claim to remove the expired lock {lock_name!r}; it is deleted right "
            "after. Delete it only if its expires_at has passed."
        )
        if writer.create_lock(name, tags, description):
            return level
        record = writer.read_lock(name)
        if record is None:
            return None  # removed meanwhile: its lock is gone or going; look again
        claim = LockView.of(record, settings.lease)
        if claim.token == token:
            return level  # our create landed although its answer was lost
        if claim.expires_at > settings.clock():
            return None
    return None


def fenced_delete(
    writer: RegistryWriter,
    lock_name: str,
    seen: LockView,
    settings: LockSettings,
    *,
    stale_only: bool = True,
) -> bool | None:
    """Delete the lock ``seen`` only if the registry still holds that very lock (and, with
    ``stale_only``, it is still expired): True if deleted, False if it was released or replaced
    meanwhile, None if another client is removing it now. See the module docstring."""
    level = _claim(writer, lock_name, seen, settings)
    if level is None:
        return None
    try:
        record = writer.read_lock(lock_name)
        if record is None or LockView.of(record, settings.lease) != seen:
            return False
        if stale_only and seen.expires_at > settings.clock():
            return False
        return writer.delete_lock(lock_name)
    finally:
        for stale in range(level, 0, -1):  # ours, then those of claimants that vanished
            with contextlib.suppress(RegistryError):
                writer.delete_lock(claim_name(seen.fence, stale, lock_name))


def _break_stale(
    writer: RegistryWriter, lock_name: str, seen: LockView, settings: LockSettings
) -> bool:
    """Delete a stale lock if it is still the one we saw (fenced); explain if we may not.
    False while another client is removing it (wait a little), else True: compete again."""
    try:
        return fenced_delete(writer, lock_name, seen, settings) is not None
    except RegistryPermissionDenied as err:
        raise RegistryPermissionDenied(
            f"permission denied: the lock {lock_name!r} of {seen.holder} expired at "
            f"{format_time(seen.expires_at)} (its holder crashed or hung), but this account may "
            f"not remove it; {seen.holder} or an admin must delete the registered model "
            f"{lock_name!r}",
            uri=err.uri,
            status=err.status,
        ) from err


def acquire(
    writer: RegistryWriter,
    model: str,
    alias: str,
    *,
    holder: str,
    purpose: str,
    settings: LockSettings,
) -> AliasLock:
    """Take the lock on ``model@alias`` (see the module docstring); AliasLockTimeout if busy."""
    lock_name = lock_model_name(model, alias)
    token = uuid.uuid4().hex
    start = settings.clock()
    deadline = start + timedelta(seconds=settings.timeout)
    pause = settings.poll_min
    while True:
        now = settings.clock()
        expires = now + timedelta(seconds=settings.lease)
        tags = {
            "token": token,
            "holder": holder,
            "purpose": purpose,
            "acquired_at": format_time(now),
            "expires_at": expires.isoformat(timespec="milliseconds"),
        }
        description = (
            f"champion's lock on @{alias} of {model!r}, held by {holder} until "
            f"{format_time(expires)} UTC. Delete it only if that time has passed."
        )
        if writer.create_lock(lock_name, tags, description):
            return AliasLock(writer, lock_name, token, expires, settings)
        record = writer.read_lock(lock_name)
        if record is None:
            if settings.clock() >= deadline:
                raise AliasLockTimeout(
                    f"could not take the lock {lock_name!r} within {settings.timeout:.0f} s: it "
                    "kept appearing and disappearing (many writers at once?); try again"
                )
            continue  # released between our attempt and the read: try again at once
        seen = LockView.of(record, settings.lease)
        if seen.token == token:  # our create landed although its answer was lost
            return AliasLock(writer, lock_name, token, seen.expires_at, settings)
        now = settings.clock()
        if seen.expires_at <= now and _break_stale(writer, lock_name, seen, settings):
            continue
        if now >= deadline:
            what = f" ({seen.purpose})" if seen.purpose else ""
            raise AliasLockTimeout(
                f"@{alias} of {model!r} is locked by {seen.holder}{what} until "
                f"{format_time(seen.expires_at)} UTC; waited {settings.timeout:.0f} s. Try again "
                "later (a lock whose holder crashed expires at that time)."
            )
        # wake up no later than the deadline, or just after the lock expires (an expired one
        # is being removed by another client: back off as for a held lock)
        until = deadline
        if seen.expires_at > now:
            until = min(deadline, seen.expires_at + timedelta(milliseconds=10))
        wait = min(pause * (0.5 + 0.5 * settings.jitter()), (until - now).total_seconds())
        settings.sleep(max(wait, 0.0))
        pause = min(pause * 2, settings.poll_max)


@contextlib.contextmanager
def holding(
    writer: RegistryWriter,
    model: str,
    alias: str,
    *,
    holder: str,
    purpose: str,
    settings: LockSettings,
    released: list[str] | None = None,
) -> Iterator[AliasLock]:
    """Hold the lock on ``model@alias`` for the block; release it however the block ends.

    A release that fails (the registry went away) does not hide the block's own outcome: its
    explanation is appended to ``released`` (the lock then expires at its ``expires_at``).
    """
    lock = acquire(writer, model, alias, holder=holder, purpose=purpose, settings=settings)
    try:
        yield lock
    finally:
        try:
            lock.release()
        except RegistryError as err:
            if released is not None:
                released.append(
                    f"the lock {lock.lock_name!r} could not be released ({err}); it expires at "
                    f"{format_time(lock.expires_at)} UTC"
                )
