"""No lost updates: two officers save the same leaf at the same moment from two connections.

Runs on PostgreSQL (row lock with SELECT … FOR UPDATE) and on SQLite (writers are
serialised by BEGIN IMMEDIATE); either way exactly one save wins and the other is refused
with the stale-edit message, never silently overwritten.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, connection

from parindex.assessments import actions
from parindex.assessments.models import Score
from parindex.core.models import AuditEntry
from tests.assessments.factories import score_of


def _save_in_thread(score_id, user, value, barrier, results):
    from django.db import connections

    try:
        barrier.wait(timeout=10)
        for _attempt in range(50):
            try:
                score = Score.objects.get(pk=score_id)
                saved = actions.save_score(
                    score=score, by=user, expected_version=1, raw_inputs={"value": value}
                )
                results.append(("saved", saved.self_points))
                return
            except OperationalError as exc:  # SQLite shared-cache test database: table locked, retry
                if "locked" not in str(exc):
                    raise
                time.sleep(0.05)
        results.append(("gave up", None))
    except actions.StaleEdit as exc:
        results.append(("stale", exc.messages[0]))
    except Exception as exc:  # noqa: BLE001 — reported to the main thread
        results.append(("error", repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_leaf_keep_one_and_refuse_the_other(sheet_a1, officer_a1, head_a1):
    leaf = score_of(sheet_a1, "2.3")
    barrier = threading.Barrier(2)
    results: list = []
    threads = [
        threading.Thread(target=_save_in_thread, args=(leaf.pk, officer_a1, "1", barrier, results)),
        threading.Thread(target=_save_in_thread, args=(leaf.pk, head_a1, "2", barrier, results)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["saved", "stale"], results
    winner = next(value for kind, value in results if kind == "saved")
    stale_message = next(value for kind, value in results if kind == "stale")
    assert "đã sửa tiêu chí này sau khi bạn mở trang" in stale_message
    leaf.refresh_from_db()
    assert leaf.version == 2
    assert winner in (Decimal(1), Decimal(2))
    assert leaf.self_points == winner
    assert AuditEntry.objects.filter(action="assessments.score.save").count() == 1
    assert connection.vendor in ("postgresql", "sqlite")
