"""The event log's rules: where a resuming client continues, epochs, retention."""

from datetime import UTC, datetime, timedelta

import pytest

from gatehouse.domain.sync.event_log import (
    LogPosition,
    ResumePlan,
    epoch_for,
    needs_oldest,
    plan_resume,
    retention_cutoff,
)

LOG = LogPosition(head=10, oldest=4, epoch="e1")


@pytest.mark.parametrize(
    ("since", "epoch", "plan"),
    [
        (None, None, ResumePlan(since=10)),  # from now on
        (10, None, ResumePlan(since=10)),  # up to date
        (10, "e1", ResumePlan(since=10)),
        (3, None, ResumePlan(since=3)),  # the next event (4) is kept
        (7, "e1", ResumePlan(since=7)),
        (2, None, ResumePlan(since=10, resync=True)),  # event 3 was pruned
        (0, None, ResumePlan(since=10, resync=True)),
        (11, None, ResumePlan(since=10, resync=True)),  # from the future: another log
        (7, "e0", ResumePlan(since=10, resync=True)),  # another epoch
        (None, "e0", ResumePlan(since=10)),  # "from now on" needs no history
    ],
)
def test_where_a_client_resumes(since, epoch, plan):
    assert plan_resume(LOG, since=since, epoch=epoch) == plan


def test_a_log_with_nothing_kept_can_only_be_joined_at_its_head():
    empty = LogPosition(head=5, oldest=None, epoch="e")
    assert plan_resume(empty, since=5, epoch=None) == ResumePlan(since=5)
    assert plan_resume(empty, since=4, epoch=None).resync
    new = LogPosition(head=0, oldest=None, epoch="e")
    assert plan_resume(new, since=0, epoch=None) == ResumePlan(since=0)


def test_the_oldest_seq_matters_only_when_replaying():
    assert needs_oldest(3, 10) and not needs_oldest(10, 10) and not needs_oldest(None, 10)


def test_epochs_name_one_log():
    made = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    assert epoch_for(1, made) == epoch_for(1, made.replace(tzinfo=None))  # naive = UTC
    assert epoch_for(1, made) != epoch_for(2, made)
    assert epoch_for(1, made) != epoch_for(1, made + timedelta(microseconds=1))
    assert len(epoch_for(1, made)) == 12


def test_retention():
    now = datetime(2026, 1, 8, tzinfo=UTC)
    assert retention_cutoff(now, 7) == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        retention_cutoff(now, 0)
