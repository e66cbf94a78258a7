"""The two-step-login policy an administrator sets per role (Django admin).

A role listed here (or in ``PARINDEX_2FA_REQUIRED_ROLES``) must use an authenticator app:
its members are sent to the set-up page after login until they have one, and to the
verify page after every login afterwards. The rule applies from each user's next login.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parindex.units.models import Membership


class RequiredRole(models.Model):
    # No `choices=` here: the roles belong to units.Membership and may grow without a
    # migration in this app; the admin form offers Membership.Role's choices.
    role = models.CharField(_("role"), max_length=20, unique=True)
    since = models.DateTimeField(_("required since"), auto_now_add=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )

    class Meta:
        verbose_name = _("role that must use two-step login")
        verbose_name_plural = _("roles that must use two-step login")
        ordering = ["role"]

    def __str__(self) -> str:
        try:
            return str(Membership.Role(self.role).label)
        except ValueError:
            return self.role


def required_roles() -> set[str]:
    """Roles obliged to use two-step login: the environment's plus the administrator's."""
    return set(getattr(settings, "PARINDEX_2FA_REQUIRED_ROLES", ())) | set(
        RequiredRole.objects.values_list("role", flat=True)
    )
