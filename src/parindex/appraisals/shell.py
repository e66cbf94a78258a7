"""Menu entry and home panel of the appraisals app."""

from django.utils.translation import gettext_lazy as _

from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav
from parindex.units.visibility import scope_for


def _appraisal_side(request) -> bool:
    scope = scope_for(request.user)
    return scope.is_admin or any(role in ("appraiser", "index_manager") for _u, role in scope.roles)


def _panel(request) -> str:
    """Sheets waiting for the user: explanations to write (unit) — a count with a link."""
    from django.template.loader import render_to_string

    from parindex.appraisals.models import AppraisalSheet

    scope = scope_for(request.user)
    if not scope.own_unit_ids:
        return ""
    waiting = list(
        AppraisalSheet.objects.filter(status=AppraisalSheet.Status.EXPLANATION,
                                      assessment__unit_id__in=list(scope.own_unit_ids))
        .select_related("assessment__unit", "assessment__round")[:10]
    )
    if not waiting:
        return ""
    return render_to_string("appraisals/_home_panel.html", {"waiting": waiting}, request=request)


def _appraiser_panel(request) -> str:
    """Rounds in appraisal with sheets still to appraise in the user's subtree (one query)."""
    from django.db.models import Count, Q
    from django.template.loader import render_to_string

    from parindex.assessments.models import Assessment, Round

    if not _appraisal_side(request):
        return ""
    scope = scope_for(request.user)
    rows = list(
        Assessment.objects.visible_to(request.user)
        .filter(round__status__in=[Round.Status.APPRAISAL, Round.Status.EXPLANATION])
        .exclude(status=Assessment.Status.DRAFT).exclude(unit_id__in=list(scope.own_unit_ids))
        .exclude(appraisal__status="appraised")
        .values("round_id", "round__name")
        .annotate(todo=Count("id"), waiting=Count("id", filter=Q(appraisal__status="explanation")))
        .order_by("round__name")[:10]
    )
    if not rows:
        return ""
    return render_to_string("appraisals/_appraiser_panel.html", {"rows": rows}, request=request)


register_nav(NavItem(key="appraisals", label=_("Appraisal"), url_name="appraisals:rounds", icon="clipboard-check",
                     order=50, visible=_appraisal_side))
register_home_panel(HomePanel(key="appraisals.explanations", render=_panel, order=40))
register_home_panel(HomePanel(key="appraisals.todo", render=_appraiser_panel, order=35))
