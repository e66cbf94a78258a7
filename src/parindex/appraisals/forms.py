from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.appraisals.models import Adjustment
from parindex.core.forms import SpreadsheetFileField
from parindex.core.text import parse_decimal
from parindex.core.validators import SingleLineCharField


class PointsField(forms.CharField):
    """Accepts "1,5" and "1.5"."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in (None, ""):
            return None
        try:
            return parse_decimal(value)
        except ValueError:
            raise forms.ValidationError(_("“%(value)s” is not a number.") % {"value": value})


class EntryForm(forms.Form):
    points = PointsField(label=_("Appraised points"), required=False)
    not_applicable = forms.BooleanField(label=_("Not applicable"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    flag = forms.BooleanField(label=_("Request an explanation"), required=False)
    comment = forms.CharField(label=_("Comment to the unit"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExplanationForm(forms.Form):
    text = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Extra evidence"), required=False)
    short_name = SingleLineCharField(label=_("Short name of the document"), required=False, max_length=120)


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Adjustment.Kind.choices)
    points = PointsField(label=_("Points"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Evidence"), required=False)


class SurveyUploadForm(forms.Form):
    """Checked in the request: an .xlsx within ``MAX_SURVEY_BYTES``; the rows are read by the job."""

    file = SpreadsheetFileField(label=_("Survey results (.xlsx)"))

    def clean_file(self):
        from parindex.appraisals.surveys import MAX_SURVEY_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_SURVEY_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": MAX_SURVEY_BYTES // (1024 * 1024)}
            )
        return upload


class AssignmentForm(forms.Form):
    """Give an appraiser a unit, an area across every unit, or one area of one unit."""

    appraiser = forms.ModelChoiceField(label=_("Appraiser"), queryset=None)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("Every unit"))
    area = forms.ModelChoiceField(label=_("Area"), queryset=None, required=False, empty_label=_("Every area"))

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        from parindex.frameworks.models import Criterion
        from parindex.units.models import Membership, Unit

        owner = round.owner_unit
        ancestors = owner.ancestor_ids() + [owner.pk]
        appraisers = Membership.objects.active().filter(role=Membership.Role.APPRAISER).filter(
            Q(unit_id__in=ancestors) | Q(unit__path__startswith=owner.path)
        ).values("user_id")
        self.fields["appraiser"].queryset = get_user_model().objects.filter(pk__in=appraisers).order_by("full_name")
        self.fields["unit"].queryset = Unit.objects.filter(assessments__round=round).order_by("path")
        self.fields["area"].queryset = Criterion.objects.filter(framework_id=round.framework_id, depth=1).order_by("sort_key")
        self.fields["area"].label_from_instance = lambda c: f"{c.code}. {c.title}"
