"""The UI shell's registries: navigation entries and home-page panels.

Each app registers its own entries in ``AppConfig.ready()`` so the shell never imports
domain apps and a new capability adds its menu item and "what to do now" panel in one
place. Entries are plain dataclasses; ``visible(request)`` decides per user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # lazy translation
    url_name: str
    icon: str = "circle"
    order: int = 100
    visible: Callable | None = None  # visible(request) -> bool

    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class HomePanel:
    key: str
    render: Callable  # render(request) -> str (HTML) or "" to skip
    order: int = 100


NAV_ITEMS: dict[str, NavItem] = {}
HOME_PANELS: dict[str, HomePanel] = {}


def register_nav(item: NavItem) -> None:
    NAV_ITEMS[item.key] = item


def register_home_panel(panel: HomePanel) -> None:
    HOME_PANELS[panel.key] = panel


def nav_for(request) -> list[NavItem]:
    items = sorted(NAV_ITEMS.values(), key=lambda i: i.order)
    return [i for i in items if _mounted(i) and (i.visible is None or i.visible(request))]


def _mounted(item: NavItem) -> bool:
    """An entry whose URL is not in the URL conf is left out (and logged), not a 500 on every page."""
    try:
        item.url()
    except NoReverseMatch:
        logger.warning("nav entry %r points to %r, which is not in the URL conf", item.key, item.url_name)
        return False
    return True


def panels_for(request) -> list[str]:
    html = []
    for panel in sorted(HOME_PANELS.values(), key=lambda p: p.order):
        fragment = panel.render(request)
        if fragment:
            html.append(fragment)
    return html
