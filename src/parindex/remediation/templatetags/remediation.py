"""Template hooks other apps' pages include (``{% load remediation %}``).

* ``{% remediation_last_year sheet as last_year %}`` once on the score sheet, then per leaf
  ``{% include "remediation/_last_year.html" with entry=last_year|get_item:c.code %}``;
* ``{% remediation_targets unit %}`` on the unit's result page: target vs achieved.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def remediation_last_year(sheet) -> dict:
    from parindex.remediation.selectors import last_year_for_leaves

    if sheet is None:
        return {}
    return last_year_for_leaves(sheet.unit, sheet.round.framework, sheet.round.year)


@register.inclusion_tag("remediation/_targets.html", takes_context=True)
def remediation_targets(context, unit) -> dict:
    from parindex.remediation.selectors import target_rows

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"rows": target_rows(unit, user) if user is not None else [], "show_unit": False}
