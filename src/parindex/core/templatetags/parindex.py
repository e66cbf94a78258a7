"""Template helpers loaded everywhere (``builtins``): Vietnamese number display and the like."""

from decimal import Decimal

from django import template
from django.utils import formats, translation

from parindex.core.text import format_decimal

register = template.Library()


@register.filter
def points(value, places: int = 2):
    """Points or percentages for display: unrounded in, 2 decimals max, decimal comma in Vietnamese."""
    if value is None or value == "":
        return "—"
    sep = formats.get_format("DECIMAL_SEPARATOR", lang=translation.get_language())
    return format_decimal(Decimal(value), places=int(places), decimal_sep=sep)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def url_replace(context, **kwargs):
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()
