from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from parindex.twofactor.models import RequiredRole
from parindex.units.models import Membership


class RequiredRoleForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices)

    class Meta:
        model = RequiredRole
        fields = ["role"]


@admin.register(RequiredRole)
class RequiredRoleAdmin(admin.ModelAdmin):
    form = RequiredRoleForm
    list_display = ["__str__", "since", "set_by"]
    readonly_fields = ["since", "set_by"]

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
