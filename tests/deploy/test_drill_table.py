"""The fault drill's bookkeeping (deploy/drill/table.py) cannot rot silently: what counts as lost or
doubled, and the verdict of the printed table. The drill itself (`make drill`) needs the whole
topology and is not part of the suite; these tests run its table logic on small inputs."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

DRILL = Path(__file__).resolve().parents[2] / "deploy" / "drill"


@pytest.fixture(scope="module")
def table():
    spec = importlib.util.spec_from_file_location("drill_table", DRILL / "table.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["drill_table"] = module
    spec.loader.exec_module(module)
    return module


def test_a_save_the_user_was_told_succeeded_counts_as_lost_unless_the_database_holds_it_or_a_later_one(table):
    acknowledged = {1: (4, True), 2: (7, False), 3: (2, True), 4: (5, True)}
    stored = {
        1: (4, True),  # as acknowledged
        2: (8, True),  # a later save whose answer was lost on the way: fine
        3: (1, False),  # an older version: the acknowledged save is gone
        4: (5, False),  # same version, other value: gone
    }
    assert table.lost_saves(acknowledged, stored) == 2
    assert table.lost_saves({9: (1, True)}, {}) == 1
    assert table.lost_saves({}, stored) == 0


def test_orphaned_files_and_rows_without_files_compare_the_bucket_with_every_file_field(table):
    keys = ["evidence/1/2026/a.pdf", "evidence/1/2026/b.pdf", "jobs/7/result.xlsx", "healthz/probe-x.txt"]
    referenced = ["evidence/1/2026/a.pdf", "jobs/7/result.xlsx", "evidence/2/2026/c.pdf", ""]
    assert table.orphaned_files(keys, referenced, transient=("healthz/",)) == ["evidence/1/2026/b.pdf"]
    assert table.orphaned_files(keys, referenced) == ["evidence/1/2026/b.pdf", "healthz/probe-x.txt"]
    assert table.rows_without_files(referenced, keys) == ["evidence/2/2026/c.pdf"]


def test_an_e_mail_received_twice_is_counted_once_extra_and_a_missing_one_as_lost(table):
    received = [
        ("A@x.vn", "Yêu cầu mới 9/DT"),
        ("a@x.vn", "Yêu cầu mới 9/DT"),
        ("b@x.vn", "Yêu cầu mới 9/DT"),
    ]
    assert table.duplicated_messages(received) == 1
    assert table.duplicated_messages(received[1:]) == 0
    expected = [("a@x.vn", "Yêu cầu mới 9/DT"), ("c@x.vn", "Yêu cầu mới 9/DT")]
    assert table.missing_messages(expected, received) == 1


def test_an_all_or_nothing_write_is_half_done_only_between_nothing_and_everything(table):
    assert [table.half_done(n, 20) for n in (0, 7, 20, 40)] == [0, 1, 0, 1]


def test_the_table_passes_only_when_nothing_was_lost_or_doubled_and_every_job_ended_well(table):
    clean = table.Phase(
        fault="web server killed during uploads",
        requests=76,
        user_errors=3,
        statuses=Counter({502: 3}),
        damage={name: 0 for name in table.DAMAGE},
    )
    restarted = table.Phase(
        fault="worker killed mid-publication",
        requests=159,
        damage={"half-published": 0},
        jobs=["publish: failed cleanly, started again: succeeded"],
    )
    text = table.render([clean, restarted], title="drill")
    assert clean.ok and restarted.ok
    assert "3 (502×3)" in text and "drill: PASSED (nothing lost or doubled)" in text

    stuck = table.Phase(fault="worker killed mid-import", jobs=["import: still running 60 s later (stuck)"])
    doubled = table.Phase(fault="SMTP server down during reminders", damage={"e-mails twice": 2})
    text = table.render([clean, stuck, doubled])
    assert not stuck.ok and not doubled.ok
    assert "drill: FAILED" in text
    assert "FAIL worker killed mid-import: job import: still running 60 s later (stuck)" in text
    assert "FAIL SMTP server down during reminders: e-mails twice: 2" in text
    assert "| e-mails twice 2 |" in table.markdown([doubled])


def test_an_unknown_check_name_fails_the_phase_rather_than_being_ignored(table):
    assert table.Phase(fault="x", damage={"lost savez": 0}).problems() == ["unknown checks: lost savez"]
    assert table.render([]).endswith("drill: FAILED")
