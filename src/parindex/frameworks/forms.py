from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parindex.core.forms import check_spreadsheet_upload
from parindex.core.text import format_decimal, parse_decimal
from parindex.core.validators import SingleLineCharField
from parindex.frameworks.models import Criterion, Framework
from parindex.frameworks.paramtext import format_params
from parindex.units.models import Unit

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class BootstrapMixin:
    """Bootstrap classes on every widget and a ``widget_kind`` the shared form template reads."""

    def style_fields(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                field.widget_kind = "multi"
            elif isinstance(widget, forms.CheckboxInput):
                field.widget_kind = "check"
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.FileInput):
                field.widget_kind = "file"
            else:
                field.widget_kind = "input"
                widget.attrs.setdefault(
                    "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
                )


class PointsField(forms.CharField):
    """Points typed the Vietnamese way ("0,25") or with a point ("0.25"); shown with a comma.

    Django's localized DecimalField would read "0.25" as 25 under the Vietnamese thousands
    separator, so numbers go through ``core.text.parse_decimal`` instead.
    """

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_decimal(value, places=4)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            number = parse_decimal(value)
        except (ValueError, ArithmeticError):
            raise forms.ValidationError(_("“%(value)s” is not a number.") % {"value": value})
        if number < 0:
            raise forms.ValidationError(_("The number must not be negative."))
        if number != number.quantize(Decimal("0.0001")):
            raise forms.ValidationError(_("At most 4 decimal places."))
        return number

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (Decimal(initial) if initial not in (None, "") else None)
        except forms.ValidationError:
            return True


class FrameworkFileField(forms.FileField):
    """An .xlsx or .yaml/.yml file within the size limit (checked before an import is queued)."""

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if data and data.size > min(MAX_UPLOAD_BYTES, settings.UPLOAD_MAX_MB * 1024 * 1024):
            raise forms.ValidationError(_("The file is too large."))
        if data:
            from parindex.core.spreadsheets import SpreadsheetError
            from parindex.frameworks.transfer import check_upload

            try:
                check_upload(data.name, data.size)
            except SpreadsheetError as exc:
                raise forms.ValidationError([error.message for error in exc.errors]) from None
            suffix = Path(data.name or "").suffix.lower()
            if suffix == ".xlsx":
                check_spreadsheet_upload(data)
        return data


class ImportForm(BootstrapMixin, forms.Form):
    file = FrameworkFileField(label=_("File (.xlsx or .yaml)"))
    owner_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Issuing unit"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units if units is not None else Unit.objects.none()
        if units is not None:
            # Default: the highest unit the user manages (the province for a Sở Nội vụ officer).
            first = units.first()
            self.fields["owner_unit"].initial = first.pk if first else None
            self.fields["owner_unit"].empty_label = None
        self.style_fields()


class ReplaceForm(BootstrapMixin, forms.Form):
    file = FrameworkFileField(label=_("File (.xlsx or .yaml)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class CopyForm(BootstrapMixin, forms.Form):
    name = SingleLineCharField(label=_("Name of the new version"), max_length=255)
    valid_from_year = forms.IntegerField(label=_("Valid from year"), min_value=1900, max_value=2200)
    valid_to_year = forms.IntegerField(label=_("Valid to year"), min_value=1900, max_value=2200)
    decision_number = SingleLineCharField(label=_("Decision number"), max_length=64, required=False)
    decision_date = forms.DateField(
        label=_("Decision date"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("valid_from_year")
            and data.get("valid_to_year")
            and data["valid_to_year"] < data["valid_from_year"]
        ):
            self.add_error("valid_to_year", _("The last year must not be before the first year."))
        return data


class FrameworkForm(BootstrapMixin, forms.ModelForm):
    max_total = PointsField(label=_("Maximum total"))
    bonus_cap = PointsField(label=_("Bonus cap"))
    penalty_cap = PointsField(label=_("Penalty cap"))
    unit_kinds = forms.MultipleChoiceField(
        label=_("Unit types"), choices=Unit.Kind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Framework
        fields = [
            "name",
            "decision_number",
            "decision_date",
            "issuing_body",
            "unit_kinds",
            "valid_from_year",
            "valid_to_year",
            "max_total",
            "allow_over_max",
            "tie_policy",
            "published_points",
            "bonus_cap",
            "penalty_cap",
            "description",
        ]
        widgets = {"decision_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    SCORE_FIELDS = (
        "max_total",
        "allow_over_max",
        "tie_policy",
        "published_points",
        "bonus_cap",
        "penalty_cap",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without the setting (older scripts, saved pages) keeps the framework's value.
        self.fields["published_points"].required = False
        if self.instance.is_locked:
            for name in self.SCORE_FIELDS:
                self.fields[name].disabled = True
        self.style_fields()

    def clean_published_points(self):
        return self.cleaned_data.get("published_points") or self.instance.published_points


class CriterionForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 2}))
    max_points = PointsField(label=_("Maximum points"))
    method = forms.ChoiceField(
        label=_("Scoring method"), choices=[("", "—"), *Criterion.Method.choices], required=False
    )
    params_text = SingleLineCharField(
        label=_("Method parameters"),
        required=False,
        help_text=_("e.g. “Đầy đủ=100%; Chưa đầy đủ=50%; Không=0” or “100%→100%; 80%→50%” (see the guide)"),
    )
    source = forms.ChoiceField(label=_("Source"), choices=Criterion.Source.choices)
    allow_not_applicable = forms.BooleanField(label=_("May be not applicable"), required=False)
    rule_text = forms.CharField(
        label=_("Scoring rule"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    evidence_text = forms.CharField(
        label=_("Evidence documents"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    lead_text = SingleLineCharField(label=_("Lead"), max_length=255, required=False)
    coordinators_text = SingleLineCharField(label=_("Coordinators"), max_length=500, required=False)

    SCORE_FIELDS = ("max_points", "method", "params_text", "source", "allow_not_applicable")

    def __init__(self, *args, criterion: Criterion, **kwargs):
        initial = {
            "title": criterion.title,
            "max_points": criterion.max_points,
            "method": criterion.method,
            "params_text": format_params(criterion.method, criterion.params),
            "source": criterion.source,
            "allow_not_applicable": criterion.allow_not_applicable,
            "rule_text": criterion.rule_text,
            "evidence_text": criterion.evidence_text,
            "lead_text": criterion.lead_text,
            "coordinators_text": criterion.coordinators_text,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.criterion = criterion
        if criterion.framework.is_locked:
            for name in self.SCORE_FIELDS:
                self.fields[name].disabled = True
        if not criterion.is_leaf:
            # A parent's maximum is the sum of its children's: change those instead.
            for name in ("max_points", "method", "params_text", "source", "allow_not_applicable"):
                self.fields[name].disabled = True
        self.style_fields()


class MappingForm(BootstrapMixin, forms.Form):
    from_codes = SingleLineCharField(
        label=_("Codes in the previous version"),
        required=False,
        help_text=_("Separate several codes with commas; leave empty if the criterion is new."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()
