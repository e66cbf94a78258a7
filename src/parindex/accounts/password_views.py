"""The password page: a voluntary change, and the forced one at the first login.

``ForcePasswordChangeMiddleware`` sends a user flagged ``must_change_password`` here with
``?next=<the page first asked for>``; after the change the user goes on to that page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from parindex.accounts.actions import change_own_password


def _next_url(request) -> str:
    """``next`` (form or query string) when it is a URL of this site, else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@sensitive_post_parameters()
def password_change(request):
    """Old password + new password twice (Django's validators); clears the first-login flag."""
    next_url = _next_url(request)
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        change_own_password(form=form)
        update_session_auth_hash(request, form.user)  # stay logged in
        if next_url:
            messages.success(request, _("Your password was changed."))
            return redirect(next_url)
        return redirect("password_change_done")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "next": next_url, "forced": request.user.must_change_password},
    )
