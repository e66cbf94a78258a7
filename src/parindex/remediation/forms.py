from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.core.forms import SpreadsheetFileField
from parindex.core.validators import SingleLineCharField
from parindex.remediation.actions import ITEM_FIELDS
from parindex.remediation.models import Inspection, MaintenanceItem, RemediationItem, RemediationPlan, Target

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.ModelForm):
    class Meta:
        model = RemediationPlan
        fields = ["title", "number", "document_date"]
        widgets = {"document_date": DATE}


class MaintenanceForm(forms.ModelForm):
    class Meta:
        model = MaintenanceItem
        fields = ["measures", "lead_text", "coordinators_text", "deadline"]
        widgets = {"deadline": DATE, "measures": forms.Textarea(attrs={"rows": 3})}


class ItemForm(forms.ModelForm):
    class Meta:
        model = RemediationItem
        fields = list(ITEM_FIELDS)  # the fields edit_item writes, in one place
        widgets = {
            "deadline": DATE,
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in ("shortcoming", "cause", "solution", "expected_result")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        from parindex.units.models import Unit

        unit = self.instance.unit
        self.fields["lead_unit"].queryset = Unit.objects.filter(path__startswith=unit.path).order_by("path")
        self.fields["lead_official"].queryset = (
            get_user_model()
            .objects.filter(memberships__unit__path__startswith=unit.path)
            .distinct()
            .order_by("full_name")
        )


class AddItemForm(forms.Form):
    criterion = forms.ModelChoiceField(queryset=None, label=_("criterion"))
    solution = forms.CharField(label=_("solution"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    deadline = forms.DateField(label=_("deadline"), widget=DATE, required=False)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        from parindex.frameworks.models import Criterion

        self.fields["criterion"].queryset = Criterion.objects.filter(
            framework_id=plan.framework_id, is_leaf=True
        )


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[
            ("", "—"),
            (RemediationItem.Status.NOT_STARTED, RemediationItem.Status.NOT_STARTED.label),
            (RemediationItem.Status.IN_PROGRESS, RemediationItem.Status.IN_PROGRESS.label),
        ],
    )
    note = forms.CharField(label=_("progress note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ResultForm(forms.Form):
    result_text = forms.CharField(label=_("result"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    completed_on = forms.DateField(label=_("completed on"), widget=DATE, required=False)
    file = forms.FileField(label=_("evidence file"), required=False)
    short_name = SingleLineCharField(
        label=_("short name of the document"),
        max_length=80,
        required=False,
        help_text=_("e.g. QD cong nhan sang kien"),
    )

    def clean(self):
        data = super().clean()
        if data.get("file") and not (data.get("short_name") or "").strip():
            self.add_error("short_name", _("Give the document a short name."))
        return data


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("verification note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = [
            "owner_unit",
            "decision_number",
            "decision_date",
            "inspected_on",
            "title",
            "conclusion",
            "units",
        ]
        widgets = {
            "decision_date": DATE,
            "inspected_on": DATE,
            "units": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, owner_units, **kwargs):
        super().__init__(*args, **kwargs)
        from parindex.units.models import Unit

        self.fields["owner_unit"].queryset = owner_units
        condition = None
        from django.db.models import Q

        for unit in owner_units:
            q = Q(path__startswith=unit.path) & ~Q(pk=unit.pk)
            condition = q if condition is None else condition | q
        self.fields["units"].queryset = (
            Unit.objects.filter(condition).order_by("path") if condition else Unit.objects.none()
        )


class FindingForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("unit"))
    number = forms.IntegerField(
        label=_("shortcoming no. in the conclusion"),
        min_value=1,
        required=False,
        help_text=_(
            "As the conclusion numbers it (tồn tại 1, 2, …); leave empty to continue the unit's list."
        ),
    )
    shortcoming = forms.CharField(
        label=_("shortcoming"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    solution = forms.CharField(
        label=_("required remedy"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    deadline = forms.DateField(label=_("deadline"), widget=DATE, required=False)

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = inspection.units.order_by("path")


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["unit", "year", "index_percent", "class_label", "rank", "commitments"]
        widgets = {"commitments": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["index_percent"].localize = True

    def validate_unique(self):
        pass  # set_target updates the existing target of the unit and year


class ImportForm(forms.Form):
    file = SpreadsheetFileField(label=_("Excel file (.xlsx)"))
