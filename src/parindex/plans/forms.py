from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.core.forms import SpreadsheetFileField
from parindex.core.validators import SingleLineCharField
from parindex.plans.models import Plan, PlanTask
from parindex.units.models import Unit

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class BootstrapMixin:
    """Bootstrap classes on every widget (templates render fields generically)."""

    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def _date_field(label, required=False):
    return forms.DateField(label=label, required=required, input_formats=["%Y-%m-%d", "%d/%m/%Y"], **DATE_WIDGET)


class PlanForm(BootstrapMixin, forms.ModelForm):
    document_date = _date_field(_("document date"))

    class Meta:
        model = Plan
        fields = ["unit", "year", "title", "number", "document_date", "parent_plan", "status"]

    def __init__(self, *args, editable_units=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["unit"]
            del self.fields["year"]
            unit = self.instance.unit
        else:
            self.fields["unit"].queryset = editable_units if editable_units is not None else Unit.objects.none()
            self.fields["year"].initial = timezone.localdate().year
            unit = None
        parents = Plan.objects.visible_to(user).select_related("unit") if user is not None else Plan.objects.none()
        if unit is not None:
            parents = parents.filter(unit_id__in=unit.ancestor_ids())
        self.fields["parent_plan"].queryset = parents
        self.fields["parent_plan"].label_from_instance = lambda p: f"{p.number or p.display_title} — {p.unit} ({p.year})"
        self._style()


class TaskForm(BootstrapMixin, forms.ModelForm):
    start_date = _date_field(_("start date"))
    due_date = _date_field(_("due date"))
    status = forms.ChoiceField(
        label=_("status"),
        choices=[(PlanTask.Status.NOT_STARTED, PlanTask.Status.NOT_STARTED.label),
                 (PlanTask.Status.IN_PROGRESS, PlanTask.Status.IN_PROGRESS.label)],
        required=False,
    )

    class Meta:
        model = PlanTask
        fields = [
            "order", "area", "area_text", "content", "expected_output", "lead_unit", "lead_official", "lead_text",
            "coordinating_units", "coordinators_text", "start_date", "due_date", "criteria",
        ]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "expected_output": forms.Textarea(attrs={"rows": 2}),
            "coordinating_units": forms.SelectMultiple(attrs={"size": 6}),
            "criteria": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, plan: Plan, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        framework = plan.framework
        if framework is not None:
            self.fields["area"].queryset = framework.criteria.filter(depth=1).order_by("sort_key")
            self.fields["criteria"].queryset = framework.criteria.filter(is_leaf=True).order_by("sort_key")
        else:
            self.fields["area"].queryset = self.fields["area"].queryset.none()
            self.fields["criteria"].queryset = self.fields["criteria"].queryset.none()
        self.fields["criteria"].label_from_instance = lambda c: f"{c.code}. {c.title[:90]}"
        self.fields["area"].label_from_instance = lambda c: f"{c.code}. {c.title[:90]}"
        units = Unit.objects.filter(path__startswith=plan.unit.path) | Unit.objects.filter(pk__in=plan.unit.ancestor_ids())
        self.fields["lead_unit"].queryset = units.order_by("path")
        self.fields["coordinating_units"].queryset = units.order_by("path")
        self.fields["lead_official"].queryset = (
            get_user_model().objects.filter(memberships__unit=plan.unit, is_active=True).distinct().order_by("full_name")
        )
        if self.instance.pk and self.instance.status in (PlanTask.Status.NOT_STARTED, PlanTask.Status.IN_PROGRESS):
            self.fields["status"].initial = self.instance.status
        elif self.instance.pk:
            del self.fields["status"]  # done / cancelled: changed through their own steps
        self._style()

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("due_date") and data["due_date"] < data["start_date"]:
            self.add_error("due_date", _("The due date must not be before the start date."))
        return data


class DoneForm(BootstrapMixin, forms.Form):
    completion_date = _date_field(_("completion date"), required=True)
    result_note = forms.CharField(label=_("result"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.ModelMultipleChoiceField(
        label=_("existing evidence"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    file = forms.FileField(label=_("upload evidence"), required=False)
    short_name = SingleLineCharField(
        label=_("short name of the document"), required=False, max_length=120,
        help_text=_("e.g. QĐ công nhận sáng kiến — used in the generated file name"),
    )

    def __init__(self, *args, task: PlanTask, **kwargs):
        super().__init__(*args, **kwargs)
        from parindex.assessments.models import Evidence

        plan = task.plan
        self.fields["evidence"].queryset = Evidence.objects.filter(unit=plan.unit, year=plan.year).order_by(
            "generated_name", "pk"
        )
        self.fields["evidence"].label_from_instance = lambda e: e.display_name
        if not self.is_bound:
            self.fields["completion_date"].initial = task.completion_date or timezone.localdate()
        self._style()

    def clean(self):
        data = super().clean()
        if data.get("file") and not (data.get("short_name") or "").strip():
            self.add_error("short_name", _("Give the uploaded document a short name."))
        if data.get("completion_date") and data["completion_date"] > timezone.localdate():
            self.add_error("completion_date", _("The completion date cannot be in the future."))
        return data


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("reason for cancelling"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AssignForm(BootstrapMixin, forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("units"), queryset=None, widget=forms.SelectMultiple(attrs={"size": 10})
    )
    due_date = _date_field(_("due date"))

    def __init__(self, *args, task: PlanTask, **kwargs):
        super().__init__(*args, **kwargs)
        unit = task.plan.unit
        self.fields["units"].queryset = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).order_by("path")
        self._style()


class ImportForm(BootstrapMixin, forms.Form):
    file = SpreadsheetFileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


def plan_editor_units(user):
    """Units where the user may create a plan (roles that edit plans)."""
    from parindex.plans.selectors import EDIT_ROLES
    from parindex.units.visibility import scope_for

    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.all()
    ids = [uid for uid, role in scope.roles if role in EDIT_ROLES]
    return Unit.objects.filter(pk__in=ids)
