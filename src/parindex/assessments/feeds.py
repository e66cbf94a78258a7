"""Leaves fed by other apps (plan completion, remediation done/total).

An app that feeds ``ratio`` leaves registers a function ``prefill(assessment, *, by)`` in its
``AppConfig.ready()``. ``submit_assessment`` runs every registered feed inside its transaction,
just before it checks and freezes the sheet, so the numbers stored at submission are current;
afterwards the sheet is no longer a draft and feeds leave it alone (the numbers are frozen).
The feeding apps also refresh open draft sheets themselves whenever their counts change.
"""

from __future__ import annotations

from collections.abc import Callable

_FEEDS: dict[str, Callable] = {}


def register_feed(name: str, prefill: Callable) -> None:
    _FEEDS[name] = prefill


def run_feeds(assessment, *, by) -> None:
    for prefill in _FEEDS.values():
        prefill(assessment, by=by)
