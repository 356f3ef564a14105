"""Rules of the per-user event log: where a resuming client continues, epochs, retention.

Every user has one ordered log of account events numbered 1, 2, 3, … (``seq``). Old
events are pruned after a retention window, so a client that was away longer than that
cannot be brought up to date event by event: it must refetch its state ("resync").

The log's *epoch* names one particular log. It changes when the log is re-created (a new
database, the user re-created), so a client that remembers ``(epoch, seq)`` from another
log resyncs instead of trusting a ``seq`` that means something else here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class LogPosition:
    """What the server knows about one user's log right now."""

    head: int  # the last seq handed out (0: no event yet)
    oldest: int | None  # the oldest seq still kept (None: nothing kept)
    epoch: str


@dataclass(frozen=True)
class ResumePlan:
    """Replay the events after ``since``, or (``resync``) tell the client to refetch."""

    since: int
    resync: bool = False


def epoch_for(user_id: int, created_at: datetime) -> str:
    """A short, stable name for a user's log: the same on every node, new if re-created."""
    moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    seed = f"{user_id}:{int(moment.timestamp() * 1_000_000)}".encode()
    return hashlib.sha256(seed).hexdigest()[:12]


def needs_oldest(since: int | None, head: int) -> bool:
    """Whether ``plan_resume`` will look at the oldest kept seq (else it may be left None)."""
    return since is not None and since < head


def plan_resume(log: LogPosition, *, since: int | None, epoch: str | None) -> ResumePlan:
    """Where a client that has seen everything up to ``since`` continues.

    ``since`` None means "from now on" (a client that has just loaded its state). A
    ``since`` beyond the head, or from another epoch, is from another log; one whose next
    event has been pruned is too old. Both get a resync. ``log.oldest`` is consulted only
    when ``needs_oldest``.
    """
    if since is None:
        return ResumePlan(since=log.head)
    if (epoch is not None and epoch != log.epoch) or since > log.head:
        return ResumePlan(since=log.head, resync=True)
    if since == log.head:
        return ResumePlan(since=since)
    if log.oldest is None or log.oldest > since + 1:
        return ResumePlan(since=log.head, resync=True)
    return ResumePlan(since=since)


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Events recorded before this instant may be pruned."""
    if retention_days < 1:
        raise ValueError("event retention must be at least one day")
    return now - timedelta(days=retention_days)
