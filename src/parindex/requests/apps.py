from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "parindex.requests"
    label = "requests"
    verbose_name = _("Requests and reminders")

    def ready(self):
        from parindex.requests import shell

        shell.register()
