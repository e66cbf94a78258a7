from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "parindex.results"
    label = "results"
    verbose_name = _("Results")

    def ready(self):
        from parindex.results import shell  # noqa: F401  (menu entries and home panels)
