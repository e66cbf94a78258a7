from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.appraisals.models import Adjustment
from parindex.core.text import parse_decimal


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
    short_name = forms.CharField(label=_("Short name of the document"), required=False, max_length=120)


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Adjustment.Kind.choices)
    points = PointsField(label=_("Points"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SurveyUploadForm(forms.Form):
    file = forms.FileField(label=_("Survey results (.xlsx)"))
