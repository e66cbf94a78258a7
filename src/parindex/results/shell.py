"""Menu entry of the results app."""

from django.utils.translation import gettext_lazy as _

from parindex.core.shell import NavItem, register_nav

register_nav(NavItem(key="results", label=_("Results"), url_name="results:index", icon="trophy", order=60))
