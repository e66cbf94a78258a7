from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using parindex. Vietnamese full names are kept whole ("Nguyễn Thị Hoa")."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email_notifications = models.BooleanField(_("e-mail notifications"), default=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "Set when an administrator gave this user a password (user import, Django admin): "
            "the user must choose a new one at the next login before doing anything else."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def get_short_name(self) -> str:
        return (self.full_name.split()[-1] if self.full_name else "") or self.username

    def __str__(self) -> str:
        return self.get_full_name()
