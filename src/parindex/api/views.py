"""The personal API token page (linked from the profile): make a token (shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from parindex.api import actions
from parindex.api.forms import TokenForm
from parindex.api.models import ApiToken


@never_cache
def token_list(request):
    form = TokenForm(request.POST or None)
    secret = None
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = actions.create_token(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                two_factor=request.user.is_verified(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created", "-id")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "secret": secret, "created": created},
        status=status,
    )


@require_POST
def token_revoke(request, pk: int):
    # Another user's token answers 404, like any object outside the caller's scope.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    actions.revoke_token(token=token, by=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("api:tokens")
