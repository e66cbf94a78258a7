"""Home-page panel: for index managers, the draft frameworks they still have to check
before a round is opened on them (drafts can be changed; locked ones cannot)."""

from __future__ import annotations

from django.template.loader import render_to_string

from parindex.frameworks.models import Framework


def drafts_panel(request) -> str:
    drafts = list(
        Framework.objects.editable_by(request.user)
        .filter(locked_at__isnull=True)
        .select_related("owner_unit")
        .order_by("-valid_from_year", "name")[:10]
    )
    if not drafts:
        return ""
    return render_to_string("frameworks/panels/drafts.html", {"drafts": drafts}, request=request)
