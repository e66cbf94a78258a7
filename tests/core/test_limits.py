"""Reading an upload under a time and a memory limit (``core.limits``): a file that would hold
the worker is stopped in its child process with a message; the worker carries on."""

from __future__ import annotations

import os
import time

import pytest
from django.core.exceptions import ValidationError

from parindex.core.limits import run_limited
from parindex.core.spreadsheets import RowError, SpreadsheetError


def spin_forever():
    while True:
        time.sleep(0.05)


def eat_memory():
    hoard = []
    while True:
        hoard.append(bytearray(16 * 1024 * 1024))


def refuse_rows():
    raise SpreadsheetError([RowError(3, "ô trống", "Mã")])


def pid_and_answer(value):
    return os.getpid(), value * 2


def test_a_reader_that_runs_past_the_time_limit_is_stopped_with_a_message(settings):
    settings.PARINDEX_IMPORT_TIME_LIMIT = 1
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        run_limited(spin_forever)
    assert time.monotonic() - started < 10
    assert caught.value.code == "time_limit"
    assert "1 giây" in caught.value.messages[0]


def test_a_reader_that_needs_more_memory_than_the_limit_is_stopped_and_the_worker_keeps_its_memory(settings):
    settings.PARINDEX_IMPORT_MEMORY_MB = 64
    with pytest.raises(ValidationError) as caught:
        run_limited(eat_memory)
    assert caught.value.code == "memory_limit"
    assert "64 MB" in caught.value.messages[0]


def test_the_readers_row_errors_and_result_come_back_from_the_child():
    with pytest.raises(SpreadsheetError) as caught:
        run_limited(refuse_rows)
    assert [str(e) for e in caught.value.errors] == [str(RowError(3, "ô trống", "Mã"))]
    child_pid, answer = run_limited(pid_and_answer, 21)
    assert answer == 42 and child_pid != os.getpid()
