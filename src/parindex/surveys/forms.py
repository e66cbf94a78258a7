"""Forms of the survey pages (the respondent's page and paper entry read their fields directly)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.core.forms import SpreadsheetFileField
from parindex.core.validators import SingleLineCharField
from parindex.surveys.models import Survey


class BootstrapMixin:
    def style(self):
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class SurveyForm(BootstrapMixin, forms.Form):
    name = SingleLineCharField(label=_("name"), max_length=255)
    questionnaire_title = SingleLineCharField(label=_("questionnaire"), max_length=255, required=False)
    intro = forms.CharField(label=_("introduction for respondents"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    owner_unit = forms.ModelChoiceField(label=_("managing unit"), queryset=None)
    framework = forms.ModelChoiceField(label=_("criteria framework"), queryset=None)
    round = forms.ModelChoiceField(label=_("assessment round"), queryset=None, required=False)
    target_group = forms.ChoiceField(label=_("target group"), choices=Survey.TargetGroup.choices)
    deadline = forms.DateTimeField(label=_("deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                   input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"])
    margin = forms.DecimalField(label=_("margin of error"), initial="0.05", min_value=0.001, max_value=0.5,
                                decimal_places=4)
    retention_days = forms.IntegerField(label=_("keep personal data (days after closing)"), initial=90, min_value=0,
                                        max_value=3650)
    seed = SingleLineCharField(label=_("random seed"), max_length=64, required=False,
                           help_text=_("Empty: a random seed is chosen and kept."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from parindex.assessments.models import Round
        from parindex.frameworks.models import Framework
        from parindex.surveys.access import operator_units

        self.fields["owner_unit"].queryset = operator_units(user).order_by("path")
        self.fields["framework"].queryset = Framework.objects.visible_to(user).order_by("-valid_from_year", "name")
        self.fields["round"].queryset = Round.objects.visible_to(user).select_related("owner_unit")
        self.style()


class QuestionForm(BootstrapMixin, forms.Form):
    area = SingleLineCharField(label=_("area"), max_length=255, required=False)
    text = forms.CharField(label=_("question"), widget=forms.Textarea(attrs={"rows": 2}))
    criterion = forms.ModelChoiceField(label=_("survey criterion"), queryset=None, required=False)
    weight = forms.DecimalField(label=_("weight in the criterion"), initial=1, min_value=0.01, decimal_places=2)
    options = forms.CharField(
        label=_("answer options"), widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        help_text=_("One a line: key | label | weight %. An empty weight (Don't know) is left out of the score."),
    )

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from parindex.frameworks.models import Criterion

        self.fields["criterion"].queryset = Criterion.objects.filter(
            Q(source="survey") | Q(method="survey"), framework_id=survey.framework_id, is_leaf=True
        ).order_by("sort_key")
        if not self.is_bound:
            from parindex.surveys.actions import default_options

            self.initial["options"] = "\n".join(
                f"{k} | {label} | {'' if w is None else format(w.normalize(), 'f')}" for k, label, w in default_options()
            )
        self.style()


class UploadForm(forms.Form):
    file = SpreadsheetFileField(label=_("Excel file (.xlsx)"))


class BatchForm(BootstrapMixin, forms.Form):
    name = SingleLineCharField(label=_("name"), max_length=120)
    unit = forms.ModelChoiceField(label=_("unit assessed"), queryset=None)
    check_share = forms.IntegerField(label=_("share re-entered for checking (%)"), initial=10, min_value=1, max_value=100)

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        from parindex.units.models import Unit

        self.fields["unit"].queryset = Unit.objects.filter(
            pk__in=survey.survey_units.values("unit_id")
        ).order_by("path") if survey.survey_units.exists() else Unit.objects.filter(
            path__startswith=survey.owner_unit.path
        ).order_by("path")
        self.style()


class SurveyEditForm(BootstrapMixin, forms.Form):
    deadline = forms.DateTimeField(label=_("deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                                   format="%Y-%m-%dT%H:%M"),
                                   input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"])
    round = forms.ModelChoiceField(label=_("assessment round"), queryset=None, required=False)
    retention_days = forms.IntegerField(label=_("keep personal data (days after closing)"), min_value=0, max_value=3650)

    def __init__(self, *args, user, survey, **kwargs):
        super().__init__(*args, **kwargs)
        from parindex.assessments.models import Round

        self.fields["round"].queryset = Round.objects.visible_to(user).filter(framework_id=survey.framework_id)
        self.style()
