"""Workflow steps on document templates: upload, activate, revert to the built-in layout."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.audit import record, snapshot
from parindex.documents.models import DocumentTemplate
from parindex.documents.templates import validate_template
from parindex.units.models import Membership
from parindex.units.visibility import has_role

AUDIT_FIELDS = ("kind", "owner_unit_id", "original_name", "sha256", "is_active")


def can_manage_templates(user, unit) -> bool:
    """Index managers of the unit or of an ancestor, and admins."""
    return has_role(user, unit, Membership.Role.INDEX_MANAGER, Membership.Role.ADMIN, inherited=True)


def _check(user, unit) -> None:
    if not can_manage_templates(user, unit):
        raise PermissionDenied(_("Only index managers of this unit can change its document templates."))


def upload_template(
    *, kind: str, owner_unit, data: bytes, original_name: str, by, activate: bool = True
) -> DocumentTemplate:
    """Validate (raises TemplateError), store, and make it the active template of its kind if asked."""
    _check(by, owner_unit)
    validate_template(kind, data)
    with transaction.atomic():
        if activate:
            DocumentTemplate.objects.filter(kind=kind, owner_unit=owner_unit, is_active=True).update(
                is_active=False
            )
        template = DocumentTemplate(
            kind=kind,
            owner_unit=owner_unit,
            original_name=original_name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            is_active=activate,
            uploaded_by=by,
            uploaded_at=timezone.now(),
        )
        template.file.save("template.docx", ContentFile(data), save=False)
        template.save()
        record(
            actor=by,
            action="documents.template_uploaded",
            obj=template,
            after=snapshot(template, AUDIT_FIELDS),
        )
    return template


def activate_template(*, template: DocumentTemplate, by) -> DocumentTemplate:
    _check(by, template.owner_unit)
    with transaction.atomic():
        before = snapshot(template, AUDIT_FIELDS)
        DocumentTemplate.objects.filter(
            kind=template.kind, owner_unit=template.owner_unit, is_active=True
        ).exclude(pk=template.pk).update(is_active=False)
        template.is_active = True
        template.save(update_fields=["is_active"])
        record(
            actor=by,
            action="documents.template_activated",
            obj=template,
            before=before,
            after=snapshot(template, AUDIT_FIELDS),
        )
    return template


def revert_to_builtin(*, kind: str, owner_unit, by) -> int:
    """Deactivate the unit's template of ``kind`` (files are kept); returns how many were active."""
    _check(by, owner_unit)
    with transaction.atomic():
        active = list(
            DocumentTemplate.objects.select_for_update().filter(
                kind=kind, owner_unit=owner_unit, is_active=True
            )
        )
        for template in active:
            before = snapshot(template, AUDIT_FIELDS)
            template.is_active = False
            template.save(update_fields=["is_active"])
            record(
                actor=by,
                action="documents.template_reverted",
                obj=template,
                before=before,
                after=snapshot(template, AUDIT_FIELDS),
            )
    return len(active)
