from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.core.validators import SingleLineCharField

EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("180", _("180 days")),
    ("366", _("1 year")),
]


class TokenForm(forms.Form):
    name = SingleLineCharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Provincial dashboard”."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Valid for"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial="90",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
