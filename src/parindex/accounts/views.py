from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from parindex.accounts.imports import example_workbook
from parindex.core.spreadsheets import download_response
from parindex.core.views import import_page
from parindex.units.imports import can_import
from parindex.units.models import Membership


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        now = timezone.now().timestamp()
        self.request.session["parindex_login_at"] = now
        self.request.session["parindex_seen_at"] = now
        return response


def profile(request):
    memberships = Membership.objects.active().filter(user=request.user).select_related("unit")
    return render(request, "accounts/profile.html", {"memberships": memberships})


def user_import(request):
    """Admins import anyone; index managers give roles (not admin) at units of their subtree."""
    if not can_import(request.user):
        raise PermissionDenied
    return import_page(
        request,
        title=_("Import users"),
        intro=_(
            "One row per role: user name, full name, e-mail, phone, unit code, role, position and an optional "
            "password. New users without a password get a one-time password, given in a file that can be "
            "downloaded once. Nothing is written if any row is wrong."
        ),
        template_url=reverse("users_import_template"),
        label=_("Import users"),
        func_path="parindex.accounts.jobs.import_users",
    )


def user_import_template(request):
    if not can_import(request.user):
        raise PermissionDenied
    return download_response(example_workbook(), "mau-nhap-nguoi-dung.xlsx")
