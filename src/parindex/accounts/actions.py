"""Account workflow steps: each one changes the user and writes its audit row in one transaction.

First-login password change (decision): a password chosen by someone else — the user
import (generated one-time passwords and the "password" column), the Django admin's "add
user" and "change password" forms used on another person — sets ``must_change_password``;
``ForcePasswordChangeMiddleware`` then holds that user at the password page until they pick
their own. Demo users, test personas and ``createsuperuser`` are never flagged.
"""

from __future__ import annotations

from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction

from parindex.core import audit


def require_password_change(*, user, by, note: str = ""):
    """Flag ``user`` to choose a new password at the next request (after ``by`` set one for them).

    Setting one's own password never flags: ``by`` being ``user`` is a no-op.
    """
    if by is not None and getattr(by, "pk", None) == user.pk:
        return user
    with transaction.atomic():
        if not user.must_change_password:
            user.must_change_password = True
            user.save(update_fields=["must_change_password"])
        audit.record(
            actor=by,
            action="user.password.set",
            obj=user,
            after={"must_change_password": True},
            note=note,
        )
    return user


def change_own_password(*, form: PasswordChangeForm):
    """Save a valid ``PasswordChangeForm`` (the user's own old + new password), clear the
    first-login flag and write the audit row; the caller keeps the session
    (``update_session_auth_hash``)."""
    user = form.user
    with transaction.atomic():
        was_required = user.must_change_password
        user.must_change_password = False
        form.save()  # sets the password and saves the user, flag included
        audit.record(
            actor=user,
            action="user.password.change",
            obj=user,
            before={"must_change_password": was_required},
            after={"must_change_password": False},
        )
    return user
