from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalsConfig(AppConfig):
    name = "parindex.appraisals"
    label = "appraisals"
    verbose_name = _("Appraisals")

    def ready(self):
        from parindex.appraisals import shell  # noqa: F401  (menu entries and home panels)
