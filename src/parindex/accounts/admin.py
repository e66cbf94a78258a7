from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parindex.accounts.actions import require_password_change
from parindex.accounts.models import User
from parindex.units.models import Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "is_active", "last_login"]
    search_fields = ["username", "full_name", "email"]
    inlines = [MembershipInline]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("parindex"), {"fields": ("full_name", "phone", "email_notifications", "must_change_password")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            # "Add user": the administrator chose the password, the user replaces it at first login.
            require_password_change(user=obj, by=request.user, note=str(_("Account created in the admin.")))

    def user_change_password(self, request, id, form_url=""):
        """The admin's "change password" form used on someone else flags them (not on oneself)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            saved = (
                request.method == "POST"
                and response.status_code == 302
                and response.url != request.get_full_path()  # "conflicting data" redirects back
            )
            if saved:
                user = self.get_object(request, unquote(id))
                if user.has_usable_password():
                    require_password_change(
                        user=user, by=request.user, note=str(_("Password set in the admin."))
                    )
        return response
