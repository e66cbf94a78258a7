"""Writing the audit log. Every workflow action calls ``record`` inside its transaction.

``record`` refuses to run outside ``transaction.atomic()``: an audit row written in its
own transaction could survive a change that rolled back (or vanish while the change
stays), which is exactly what an audit log must not allow.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from parindex.core.logging import log_audit_entry
from parindex.core.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or None
    return value


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...] | None = None) -> dict[str, Any]:
    """The values of ``fields`` (default: every concrete field) as JSON-ready data."""
    if fields is None:
        fields = [f.attname for f in obj._meta.concrete_fields]
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    unit=None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Write one audit row in the caller's transaction (which must exist)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside transaction.atomic() with the change it records")
    if unit is None and obj is not None:
        unit = getattr(obj, "audit_unit", None)
        if callable(unit):
            unit = unit()
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry.objects.create(
        actor=actor_obj,
        actor_name=(actor_obj.get_full_name() or actor_obj.get_username()) if actor_obj else "system",
        unit=unit,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=note,
    )
    # The structured log line is written only if the change (and this row) commits.
    transaction.on_commit(lambda: log_audit_entry(entry))
    return entry
