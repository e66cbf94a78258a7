"""Long operations of the results app, run on the worker through ``core.jobs.start_user_job``.

Computing a round's results table, publishing it, and exporting tables too large to build in a
request (more than ``EXPORT_DIRECT_MAX_ROWS`` units). Each function loads the user again and checks
the role and the visibility with that user: the job's kwargs are never trusted.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.core.jobs import JobHandle, JobOutcome
from parindex.core.text import safe_file_stem
from parindex.results import actions, exports, selectors
from parindex.results.models import Publication, UnitResult
from parindex.units.visibility import get_visible_or_404

COMPUTE = "parindex.results.jobs.compute"
PUBLISH = "parindex.results.jobs.publish"
EXPORT = "parindex.results.jobs.export"
ROUND_JOBS = (COMPUTE, PUBLISH)
EXPORT_KINDS = ("review", "ranking", "heatmap", "stats")


def _user(job: JobHandle):
    # A fresh user: roles and memberships as they are now, not when the job was queued.
    return get_user_model().objects.get(pk=job.user.pk)


def _managed_round(user, round_id: int):
    """The round if ``user`` sees it and manages the index of its unit (else PermissionDenied)."""
    from parindex.assessments.models import Round

    try:
        round_ = get_visible_or_404(
            Round.objects.select_related("framework", "owner_unit"), user, pk=round_id
        )
    except Http404:
        raise PermissionDenied(_("This round does not exist or is not visible to you.")) from None
    if not actions.can_manage(user, round_.owner_unit):
        raise PermissionDenied(_("You may not do this."))
    return round_


def _review_url(round_id: int) -> str:
    return reverse("results:review", args=[round_id])


def compute(job: JobHandle, *, round_id: int, grouping: str) -> JobOutcome:
    """Compute (or recompute) the draft results table of a round."""
    user = _user(job)
    round_ = _managed_round(user, round_id)
    publication = actions.compute_results(round=round_, by=user, grouping=grouping, progress=job.progress)
    results = publication.results.all()
    ranked = results.filter(index_percent__isnull=False).count()
    total = results.count()
    details = [_("Units with a result: %(n)s.") % {"n": ranked}]
    if total > ranked:
        details.append(_("Units without a result yet (not ranked): %(n)s.") % {"n": total - ranked})
    return JobOutcome(
        message=_("The results table was computed."), url=_review_url(round_.pk), details=details
    )


def publish(job: JobHandle, *, publication_id: int, round_id: int) -> JobOutcome:
    """Publish an approved results table."""
    user = _user(job)
    round_ = _managed_round(user, round_id)
    publication = Publication.objects.filter(pk=publication_id, round=round_).first()
    if publication is None:
        raise ValidationError(_("These results no longer exist; compute the table again."))
    actions.publish_results(publication=publication, by=user, progress=job.progress)
    return JobOutcome(
        message=_("The results were published."),
        url=_review_url(round_.pk),
        details=[_("Units in the published table: %(n)s.") % {"n": publication.results.count()}],
    )


def _counted(rows, progress, total: int):
    """Yield ``rows`` and report progress every 200 rows (the workbook is written row by row)."""
    for i, row in enumerate(rows, start=1):
        if i % 200 == 0:
            progress(i, total)
        yield row


def export(
    job: JobHandle, *, kind: str, publication_id: int, peer_key: str = "", round_id: int | None = None
) -> JobOutcome:
    """A results table as .xlsx, built on the worker (the large national tables).

    ``kind``: "review" (the whole table of a round, for its index managers), "ranking" or "heatmap"
    (a peer group's ranking / areas), "stats" (a peer group's lost-points statistics). The rows
    are what the user's page shows: the same visibility rule, checked again here.
    """
    if kind not in EXPORT_KINDS:
        raise ValidationError(_("Unknown table."))
    user = _user(job)
    if kind == "review":
        round_ = _managed_round(user, round_id)
        publication = Publication.objects.filter(pk=publication_id, round=round_).first()
        if publication is None:
            raise ValidationError(_("These results no longer exist; compute the table again."))
        rows = selectors.review_rows(publication)
        job.progress(0, len(rows), _("Writing the table…"))
        content = exports.ranking_xlsx(
            _counted(rows, job.progress, len(rows)),
            title=round_.name,
            published_points=publication.published_points,
        )
        return JobOutcome(
            message=_("The table is ready to download."),
            content=content,
            filename=f"{safe_file_stem(round_.name)}.xlsx",
        )
    rows = selectors.group_results(UnitResult.objects.visible_to(user), publication_id, peer_key)
    if not rows:
        raise PermissionDenied(_("This table does not exist or is not visible to you."))
    publication = Publication.objects.get(pk=publication_id)
    job.progress(0, len(rows), _("Writing the table…"))
    if kind == "stats":
        title = exports.stats_title(rows)
        lost = selectors.lost_points([r.pk for r in rows])
        content = exports.group_lost_points_xlsx(
            lost, selectors.lost_matrix(rows), [r.unit_name for r in rows], title=title
        )
        filename = f"{safe_file_stem(title)}.xlsx"
    else:
        title = f"{publication.title} — {rows[0].peer_label}"
        if kind == "ranking":
            content = exports.ranking_xlsx(
                _counted(rows, job.progress, len(rows)),
                title=title,
                published_points=publication.published_points,
            )
            filename = f"{safe_file_stem(title)}.xlsx"
        else:
            heat = selectors.heatmap(rows)
            heat["rows"] = _counted(heat["rows"], job.progress, len(rows))
            content = exports.heatmap_xlsx(heat, title=title)
            filename = f"{safe_file_stem(title)} - linh vuc.xlsx"
    return JobOutcome(message=_("The table is ready to download."), content=content, filename=filename)
