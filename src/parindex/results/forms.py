from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.core.validators import SingleLineCharField
from parindex.results.models import Publication


class ComputeForm(forms.Form):
    grouping = forms.ChoiceField(label=_("Peer group"), choices=Publication.Grouping.choices)


class ApprovalForm(forms.Form):
    decision_number = SingleLineCharField(label=_("Approval decision number"), max_length=100)
    decision_date = forms.DateField(
        label=_("Approval decision date"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
