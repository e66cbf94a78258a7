"""Replacement base templates (.docx) a province or district uploads per document kind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.units.visibility import ScopedQuerySet


class DocumentKind(models.TextChoices):
    REQUEST_LETTER = "request_letter", _("Request letter")
    REMINDER_LETTER = "reminder_letter", _("Reminder letter")
    REMEDIATION_PLAN = "remediation_plan", _("Remediation and maintenance plan (annexes I and II)")
    REMEDIATION_RESULTS_REPORT = "remediation_results_report", _("Remediation results report")
    SELF_ASSESSMENT_SUMMARY = (
        "self_assessment_summary",
        _("Self-assessment summary and request for appraisal"),
    )
    RESULTS_DECISION_ANNEX = "results_decision_annex", _("Results decision annex (ranking)")
    DEDUCTED_POINTS_STATISTICS = "deducted_points_statistics", _("Statistics of deducted points")
    FRAMEWORK = "framework", _("Criteria framework")


class DocumentTemplateQuerySet(ScopedQuerySet):
    scope_lookup = "owner_unit"

    def active(self):
        return self.filter(is_active=True)


def template_upload_to(instance, filename: str) -> str:
    return f"document-templates/{instance.owner_unit_id}/{instance.kind}-{timezone.now():%Y%m%d%H%M%S}.docx"


class DocumentTemplate(models.Model):
    """A .docx whose page setup, default font and header/footer replace the built-in ones.

    At most one template is active per kind and unit; a unit without one uses its nearest
    ancestor's active template, else the built-in layout. Deactivating (revert) keeps the
    file for the record.
    """

    kind = models.CharField(_("document type"), max_length=40, choices=DocumentKind.choices)
    owner_unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="document_templates", verbose_name=_("unit")
    )
    file = models.FileField(_("file"), upload_to=template_upload_to, max_length=300)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = DocumentTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "owner_unit__path", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "owner_unit"],
                condition=Q(is_active=True),
                name="document_template_one_active",
                violation_error_message=_("Only one template per document type and unit can be active."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.owner_unit} — {self.original_name}"

    def audit_unit(self):
        return self.owner_unit
