from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "parindex.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from parindex.core.shell import NavItem, register_nav
        from parindex.documents.selectors import may_use_screen

        register_nav(
            NavItem(
                "documents",
                _("Document templates"),
                "documents:templates",
                icon="file-earmark-word",
                order=90,
                visible=lambda request: may_use_screen(request.user),
            )
        )
