from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoadgenConfig(AppConfig):
    """Generator of national-scale load data (``parindex generate_load``); no models, no pages."""

    name = "parindex.loadgen"
    label = "loadgen"
    verbose_name = _("Load data")
