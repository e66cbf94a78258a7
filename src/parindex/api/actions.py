"""Workflow steps of API tokens: create (the secret is returned once) and revoke."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.api.models import TOKEN_PREFIX, ApiToken, hash_token
from parindex.core.audit import record, snapshot
from parindex.core.security import has_confirmed_device, two_factor_required

MAX_DAYS = 366


TWO_FACTOR_REQUIRED = "two_factor_required"


def create_token(
    *,
    user,
    name: str,
    expires_in_days: int | None = 90,
    two_factor: bool = False,
    now: dt.datetime | None = None,
):
    """Make a token for ``user``; returns ``(token, secret)``. The secret is never stored.

    ``two_factor``: the token is made in a session confirmed with an authenticator code
    (``request.user.is_verified()``). A user whose role requires two-step login gets a token
    only that way: a token is a password that never asks for a code, so minting one from a
    password-only session (or by an operator) would skip the second factor (issue 24).
    """
    now = now or timezone.now()
    if not two_factor and two_factor_required(user):
        raise ValidationError(
            _(
                "Your role requires two-step login: set up an authenticator app and log in with a "
                "code before making an API token."
            ),
            code=TWO_FACTOR_REQUIRED,
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."))
    if expires_in_days is not None and not (1 <= expires_in_days <= MAX_DAYS):
        raise ValidationError(_("A token is valid for 1 to %(days)s days.") % {"days": MAX_DAYS})
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=prefix,
            hash=hash_token(secret),
            created=now,
            expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
            two_factor=two_factor,
        )
        record(
            actor=user,
            action="api.token.create",
            obj=token,
            after=snapshot(token, ["name", "prefix", "expires_at", "two_factor"]),
        )
    return token, secret


def revoke_token(*, token: ApiToken, by, now: dt.datetime | None = None) -> ApiToken:
    """Revoke a token (its owner only). Revoking twice changes nothing."""
    if token.user_id != by.pk:
        raise PermissionDenied(_("You may only revoke your own tokens."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = now or timezone.now()
            token.save(update_fields=["revoked_at"])
            record(actor=by, action="api.token.revoke", obj=token, after=snapshot(token, ["revoked_at"]))
    return token


def authenticate_token(raw: str, *, now: dt.datetime | None = None) -> ApiToken | None:
    """The active token matching ``raw`` (with its user), or None; notes when it was last used.

    ``last_used_at`` is written at most once a minute per token (an UPDATE per API call
    would make every read a write).
    """
    raw = (raw or "").strip()
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != TOKEN_PREFIX or len(raw) > 200:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.active(now)
        .select_related("user")
        .filter(prefix=parts[1], hash=hash_token(raw))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_refusal(token: ApiToken) -> str | None:
    """Why an otherwise valid token may not be used now, or None.

    A user whose role requires two-step login uses only a token made after entering a code,
    and only while their authenticator is set up (an administrator deleting a lost phone's
    device stops the token too). Tokens made before the role required it stop working.
    """
    user = token.user
    if not two_factor_required(user):
        return None
    if token.two_factor and has_confirmed_device(user):
        return None
    return _(
        "Your role requires two-step login, and this token was made without it. Set up an "
        "authenticator app, log in with a code and make a new token on the API token page."
    )
