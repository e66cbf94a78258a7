from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.core.validators import SingleLineCharField
from parindex.requests import deliverables, planner
from parindex.requests.selectors import issuing_units
from parindex.units.models import Unit

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")


def combine_deadline(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=planner.LOCAL_TZ)


def parse_days(text: str) -> list[int]:
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    try:
        return sorted({int(p) for p in parts}, reverse=True)
    except ValueError:
        raise forms.ValidationError(_("Write whole numbers of days separated by commas, e.g. 7, 3, 1, 0."))


class ScheduleFields(forms.Form):
    deadline_date = forms.DateField(label=_("Deadline (date)"), widget=DATE_WIDGET)
    deadline_time = forms.TimeField(label=_("Deadline (time)"), widget=TIME_WIDGET, initial=dt.time(17, 0))
    remind_days_before = SingleLineCharField(
        label=_("Remind days before the deadline"),
        initial="7, 3, 1, 0",
        help_text=_("0 = on the day of the deadline."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
        required=False,
    )
    remind_overdue_every = forms.IntegerField(
        label=_("When overdue, remind every N days"),
        initial=planner.Schedule().overdue_every,
        min_value=0,
        max_value=30,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        help_text=_("0 = no reminders after the deadline"),
    )
    remind_overdue_max = forms.IntegerField(
        label=_("At most this many overdue reminders"),
        initial=planner.Schedule().overdue_max,
        min_value=0,
        max_value=30,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def clean_remind_days_before(self):
        days = parse_days(self.cleaned_data.get("remind_days_before", ""))
        if any(d < 0 or d > 60 for d in days):
            raise forms.ValidationError(_("Reminder days must be between 0 and 60."))
        return days

    def clean(self):
        data = super().clean()
        if data.get("deadline_date") and data.get("deadline_time") is not None:
            data["deadline"] = combine_deadline(data["deadline_date"], data["deadline_time"])
        return data


class RequestForm(ScheduleFields):
    issuing_unit = forms.ModelChoiceField(
        label=_("Issuing unit"),
        queryset=Unit.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    number = SingleLineCharField(
        label=_("Number and symbol"),
        max_length=60,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "43/UBND"}),
    )
    issued_on = forms.DateField(label=_("Date of issue"), widget=DATE_WIDGET, initial=timezone.localdate)
    subject = SingleLineCharField(
        label=_("Subject"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    body = forms.CharField(
        label=_("Content"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 5})
    )
    deliverable = forms.ChoiceField(
        label=_("What recipients must deliver"), widget=forms.Select(attrs={"class": "form-select"})
    )
    round_id = forms.TypedChoiceField(
        label=_("Assessment round"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    recipient_kinds = forms.MultipleChoiceField(
        label=_("All units of these types under the issuing unit"),
        choices=Unit.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Or pick units one by one"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        issuers = issuing_units(user).order_by("path")
        self.fields["issuing_unit"].queryset = issuers
        if issuers.count() == 1:
            self.fields["issuing_unit"].initial = issuers.first()
        # Units strictly under an issuing unit; subtrees already covered by a shorter path are
        # skipped so an admin (every unit is an issuing unit) gets one condition, not thousands.
        condition = Q(pk__in=[])
        kept: list[str] = []
        for path in sorted(set(issuers.values_list("path", flat=True)), key=len):
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
                condition |= Q(path__startswith=path) & ~Q(path=path)
        self.fields["recipients"].queryset = Unit.objects.filter(condition).active_on().order_by("path")
        self.fields["deliverable"].choices = deliverables.choices()
        rounds = [("", "—")]
        model = deliverables.round_model()
        if model is not None:
            try:
                rounds += [(r.pk, str(r)) for r in model.objects.order_by("-pk")[:50]]
            except Exception:  # noqa: BLE001 — the assessments app may still be changing its schema
                rounds = [("", "—")]
        self.fields["round_id"].choices = rounds

    def clean(self):
        data = super().clean()
        issuer = data.get("issuing_unit")
        if issuer is None:
            return data
        units = {u.pk: u for u in data.get("recipients") or []}
        kinds = data.get("recipient_kinds") or []
        if kinds:
            for unit in (
                Unit.objects.subtree_of(issuer).exclude(pk=issuer.pk).filter(kind__in=kinds).active_on()
            ):
                units[unit.pk] = unit
        outside = [u.name for u in units.values() if not u.path.startswith(issuer.path) or u.pk == issuer.pk]
        if outside:
            self.add_error(
                "recipients",
                _("These units are not under the issuing unit: %(names)s.") % {"names": ", ".join(outside)},
            )
        if not units:
            self.add_error("recipients", _("Choose at least one recipient unit."))
        data["recipient_units"] = list(units.values())
        deadline = data.get("deadline")
        if deadline and deadline <= timezone.now():
            self.add_error(
                "deadline_date",
                _("The deadline %(deadline)s has already passed: choose a date and time in the future.")
                % {"deadline": planner.format_deadline(deadline)},
            )
        kind = deliverables.get_deliverable(data.get("deliverable") or "")
        if kind.needs_round and not data.get("round_id"):
            self.add_error("round_id", _("Choose the assessment round this request is about."))
        return data


class ReportForm(forms.Form):
    file = forms.FileField(
        label=_("Report file"), widget=forms.ClearableFileInput(attrs={"class": "form-control"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 3})
    )


class PreferencesForm(forms.Form):
    email_notifications = forms.BooleanField(
        label=_("Send me reminders and notices by e-mail"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
