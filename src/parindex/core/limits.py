"""Reading an uploaded file under a time and a memory limit.

Imports run on the worker (``core.jobs``), but a hostile or broken file must not occupy a
worker for minutes or take its memory either. ``run_limited(func, *args)`` therefore runs
the *reading* step of an import (YAML or .xlsx parsing: pure Python over bytes, no database)
in a forked child process:

* the child sets ``RLIMIT_AS`` to its size at the fork plus ``PARINDEX_IMPORT_MEMORY_MB``
  (an allocation beyond it raises ``MemoryError`` in the child, never in the worker) and
  ``RLIMIT_CPU`` to the time limit (the kernel stops a child that spins);
* the parent waits at most ``PARINDEX_IMPORT_TIME_LIMIT`` seconds of wall-clock time for the
  result, then kills the child (SIGKILL) and refuses the file with a clear message;
* the result (plain dataclasses) or the reader's ``SpreadsheetError`` / ``ValidationError``
  comes back pickled through a pipe; any other failure of the child becomes a refusal.

Why a child and not a check inside the worker: ``resource.setrlimit`` applies to a whole
process, and a wall-clock check cannot interrupt a C-level loop (YAML alias expansion,
decompression). django-tasks runs tasks in the worker's own process, so the child is the
one place where the limits can be enforced without touching the worker. Writing to the
database stays in the worker, after reading succeeded, and is bounded by the readers' caps
(criteria, rows).

The child must not touch the database: a forked copy of a connection is shared with the
parent. Callers import the parser modules before the fork (the worker's scheduler thread could
hold an import lock at that moment; a child stuck anyway is killed at the time limit). It ends with ``os._exit`` so nothing of the parent (connections, atexit handlers,
temporary files) is closed or flushed twice. Where ``fork`` is not available (not Linux or
another POSIX system), the function runs in-process and only the readers' size caps apply.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from parindex.core.spreadsheets import RowError, SpreadsheetError

T = TypeVar("T")

_MAX_RESULT_BYTES = 256 * 1024 * 1024


class _Crashed(Exception):
    pass


def _limits() -> tuple[int, int]:
    return settings.PARINDEX_IMPORT_TIME_LIMIT, settings.PARINDEX_IMPORT_MEMORY_MB


def _address_space_bytes() -> int | None:
    """This process's current virtual size (the child's limit is this plus the budget)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _child(write_fd: int, func: Callable, args, kwargs, seconds: int, memory_mb: int) -> None:
    """Runs in the forked child: set the limits, call ``func``, send the outcome, exit."""
    import resource

    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        current = _address_space_bytes()
        if current is not None:
            limit = current + memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds + 1, seconds + 2))
        try:
            outcome = ("ok", func(*args, **kwargs))
        except SpreadsheetError as exc:
            outcome = ("sheet", [RowError(e.row, str(e.message), str(e.column)) for e in exc.errors])
        except ValidationError as exc:
            outcome = ("invalid", [str(m) for m in exc.messages])
        except MemoryError:
            outcome = ("memory", None)
        except RecursionError:
            outcome = ("memory", None)
        except Exception as exc:  # noqa: BLE001 — reported to the parent, which refuses the file
            outcome = ("error", f"{exc.__class__.__name__}: {exc}"[:1000])
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("memory", None))
        except Exception as exc:  # noqa: BLE001 — a result that cannot travel is a failure to report
            payload = pickle.dumps(("error", f"{exc.__class__.__name__}: {exc}"[:1000]))
        view = memoryview(payload)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
    except BaseException:  # noqa: BLE001 — whatever happens, the child must not return into the parent's code
        code = 1
    finally:
        os._exit(code)


def _receive(read_fd: int, pid: int, deadline: float) -> bytes | None:
    """Read the child's pickled outcome until EOF; None when the deadline passed first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _w, _x = select.select([read_fd], [], [], min(remaining, 1.0))
        if not ready:
            continue
        chunk = os.read(read_fd, 1024 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > _MAX_RESULT_BYTES:
            raise _Crashed("result too large")
        chunks.append(chunk)


def time_limit_message(seconds: int) -> str:
    return _(
        "Reading the file took longer than %(seconds)d seconds and was stopped; nothing was imported. "
        "Check that the file is the right one, or split it."
    ) % {"seconds": seconds}


def memory_limit_message(memory_mb: int) -> str:
    return _(
        "Reading the file needed more than %(mb)d MB of memory and was stopped; nothing was imported. "
        "Check that the file is the right one, or split it."
    ) % {"mb": memory_mb}


def run_limited(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a child process under the import time and memory limits.

    Returns what ``func`` returned (it must be picklable). Re-raises ``SpreadsheetError`` and
    ``ValidationError`` raised by ``func``; a time-out, memory exhaustion or any other failure
    of the child raises ``ValidationError`` with a translated message.
    """
    seconds, memory_mb = _limits()
    if not hasattr(os, "fork"):  # pragma: no cover — Linux is the supported platform
        return func(*args, **kwargs)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover — runs in the child (coverage does not follow os._exit)
        os.close(read_fd)
        _child(write_fd, func, args, kwargs, seconds, memory_mb)
    os.close(write_fd)
    payload: bytes | None = None
    try:
        payload = _receive(read_fd, pid, time.monotonic() + seconds)
    except _Crashed:
        payload = b""
    finally:
        os.close(read_fd)
        if payload is None:
            _kill(pid)
        status = _reap(pid)
    if payload is None:
        raise ValidationError(time_limit_message(seconds), code="time_limit")
    if not payload:
        # No outcome: the kernel stopped the child (CPU limit, or memory outside Python's reach).
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            raise ValidationError(time_limit_message(seconds), code="time_limit")
        raise ValidationError(memory_limit_message(memory_mb), code="memory_limit")
    # The payload was pickled by our own child from plain data (never bytes of the upload itself).
    kind, value = pickle.loads(payload)  # noqa: S301
    if kind == "ok":
        return value
    if kind == "sheet":
        raise SpreadsheetError(value)
    if kind == "invalid":
        raise ValidationError(value)
    if kind == "memory":
        raise ValidationError(memory_limit_message(memory_mb), code="memory_limit")
    raise ValidationError(
        _("The file could not be read (%(error)s); nothing was imported.") % {"error": value},
        code="unreadable",
    )


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> int:
    while True:
        try:
            _pid, status = os.waitpid(pid, 0)
            return status
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0
