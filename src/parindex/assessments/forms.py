"""Forms of the self-assessment pages. Permission and workflow rules live in ``actions``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.assessments.models import Round
from parindex.core.validators import SingleLineCharField
from parindex.units.models import Membership, Unit
from parindex.units.visibility import scope_for

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%Y-%m-%d %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def manager_units(user):
    """Units where the user is an index manager (where they may open rounds)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.filter(kind__in=[Unit.Kind.PROVINCE, Unit.Kind.DISTRICT])
    ids = [uid for uid, role in scope.roles if role == Membership.Role.INDEX_MANAGER]
    return Unit.objects.filter(pk__in=ids)


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class RoundForm(BootstrapMixin, forms.Form):
    name = SingleLineCharField(
        label=_("Name"), max_length=255, help_text=_("e.g. Self-assessment round 1, 2023")
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    framework = forms.ModelChoiceField(label=_("Criteria framework"), queryset=None)
    owner_unit = forms.ModelChoiceField(label=_("Managing unit"), queryset=None)
    data_cutoff = forms.DateField(label=_("Data cut-off date"), required=False, widget=DateInput())
    self_deadline = forms.DateTimeField(
        label=_("Self-assessment deadline"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput()
    )
    explanation_deadline = forms.DateTimeField(
        label=_("Explanation deadline"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput(),
    )
    appraisal_deadline = forms.DateTimeField(
        label=_("Appraisal deadline"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput(),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for every unit of the framework's types in your area."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    previous = forms.ModelChoiceField(
        label=_("Start from the values of"),
        queryset=None,
        required=False,
        help_text=_("An earlier round (e.g. round 1 of the same year); each sheet starts from its values."),
    )
    evidence_name_template = SingleLineCharField(
        label=_("Evidence file name template"),
        max_length=120,
        initial="{unit}-{code}-{short}",
        help_text=_("Fields: {unit} unit name, {code} criterion code or purpose, {short} short name."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from parindex.frameworks.models import Framework

        owners = manager_units(user)
        self.fields["owner_unit"].queryset = owners
        self.fields["framework"].queryset = Framework.objects.visible_to(user)
        subtree = Unit.objects.none()
        for unit in owners:
            subtree = subtree | Unit.objects.subtree_of(unit)
        self.fields["units"].queryset = subtree.exclude(kind__in=[Unit.Kind.PROVINCE]).order_by("path")
        self.fields["previous"].queryset = Round.objects.visible_to(user).filter(owner_unit__in=owners)
        if owners.count() == 1:
            self.fields["owner_unit"].initial = owners.first()
        self.fields["year"].initial = timezone.localdate().year

    def clean_self_deadline(self):
        value = self.cleaned_data["self_deadline"]
        if value <= timezone.now():
            raise forms.ValidationError(_("The deadline must be in the future."))
        return value

    def clean_evidence_name_template(self):
        value = self.cleaned_data["evidence_name_template"]
        try:
            value.format(unit="u", code="c", short="s")
        except (KeyError, IndexError, ValueError):
            raise forms.ValidationError(_("Use only the fields {unit}, {code} and {short}."))
        return value


class EvidenceUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("File"))
    short_name = SingleLineCharField(
        label=_("Short name"),
        max_length=120,
        help_text=_("e.g. Bao cao CCHC quy 1; used in the generated file name"),
    )
    page_ref = SingleLineCharField(label=_("Page or section"), max_length=255, required=False)
    doc_number = SingleLineCharField(label=_("Number and symbol"), max_length=100, required=False)
    doc_date = forms.DateField(label=_("Document date"), required=False, widget=DateInput())
    issuer = SingleLineCharField(label=_("Issuing body"), max_length=255, required=False)


class ReferenceForm(BootstrapMixin, forms.Form):
    short_name = SingleLineCharField(label=_("Short name"), max_length=120)
    doc_number = SingleLineCharField(label=_("Number and symbol"), max_length=100, required=False)
    doc_date = forms.DateField(label=_("Document date"), required=False, widget=DateInput())
    issuer = SingleLineCharField(label=_("Issuing body"), max_length=255, required=False)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    page_ref = SingleLineCharField(label=_("Page or section"), max_length=255, required=False)


class AttachForm(BootstrapMixin, forms.Form):
    """Attach an evidence already uploaded for the unit and year, chosen by its generated name."""

    evidence_name = SingleLineCharField(label=_("Evidence already uploaded"), max_length=255)
    page_ref = SingleLineCharField(label=_("Page or section"), max_length=255, required=False)

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet

    def clean_evidence_name(self):
        from parindex.assessments.models import Evidence

        name = self.cleaned_data["evidence_name"].strip()
        evidence = (
            Evidence.objects.filter(unit=self.sheet.unit, year=self.sheet.round.year)
            .filter(generated_name=name)
            .first()
        )
        if evidence is None:
            raise forms.ValidationError(_("No evidence of this unit and year has this name."))
        self.cleaned_data["evidence"] = evidence
        return name


class AssignForm(BootstrapMixin, forms.Form):
    criterion = forms.ModelChoiceField(label=_("Criterion or area"), queryset=None)
    officer = forms.ModelChoiceField(label=_("Officer"), queryset=None, required=False)
    lead_unit = forms.ModelChoiceField(label=_("Lead department"), queryset=None, required=False)

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        self.fields["criterion"].queryset = sheet.round.framework.criteria.filter(
            Q(is_leaf=True) | Q(depth=1)
        ).order_by("sort_key")
        self.fields["criterion"].label_from_instance = lambda c: f"{c.code}. {c.title[:90]}"
        member_ids = (
            Membership.objects.active()
            .filter(unit=sheet.unit, role__in=[Membership.Role.UNIT_OFFICER, Membership.Role.UNIT_HEAD])
            .values("user_id")
        )
        self.fields["officer"].queryset = (
            get_user_model().objects.filter(pk__in=member_ids).order_by("full_name")
        )
        self.fields["lead_unit"].queryset = Unit.objects.subtree_of(sheet.unit).exclude(pk=sheet.unit_id)

    def clean(self):
        data = super().clean()
        if bool(data.get("officer")) == bool(data.get("lead_unit")):
            raise forms.ValidationError(_("Assign either an officer or a lead department, not both."))
        return data


class ReopenForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    until = forms.DateTimeField(
        label=_("New deadline"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = (timezone.localtime() + dt.timedelta(days=3)).replace(
            hour=17, minute=0, second=0, microsecond=0
        )


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OfflineUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Filled-in score sheet (.xlsx)"))
