"""Workflow steps of results: compute (draft), record the council approval, publish; import history."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.audit import record
from parindex.results import scoring
from parindex.results.compute import assign_ranks, attach_previous, peer_key, peer_label, q4
from parindex.results.models import AreaResult, LeafResult, Publication, UnitResult
from parindex.units.models import Membership
from parindex.units.visibility import has_role

Status = Publication.Status


def can_manage(user, unit) -> bool:
    return has_role(user, unit, Membership.Role.INDEX_MANAGER, inherited=True)


def _deny():
    raise PermissionDenied(_("You may not do this."))


def compute_results(*, round, by, grouping: str = Publication.Grouping.KIND) -> Publication:
    """Compute (or recompute) the draft results table of an appraised round for review.

    Only sheets whose appraisal is finished get a result. Published tables are never recomputed.
    A fixed number of queries: one bulk insert per table, however many units.
    """
    from parindex.appraisals.selectors import round_data
    from parindex.frameworks.models import Criterion
    from parindex.units.models import Unit

    if not can_manage(by, round.owner_unit):
        _deny()
    if grouping not in Publication.Grouping.values:
        raise ValidationError(_("Unknown peer group."))
    framework = round.framework
    with transaction.atomic():
        publication = Publication.objects.select_for_update().filter(round=round).first()
        if publication and publication.status != Status.DRAFT:
            raise ValidationError(_("These results are approved or published and can no longer be recomputed."))
        data, _counts = round_data(round)
        # Units of the round without a finished appraisal get a row without result ("chưa có kết quả"):
        # excluded from the rank and from N, but visible in the table.
        without = set(round.assessments.values_list("unit_id", flat=True)) - set(data)
        leaves = list(Criterion.objects.filter(framework=framework, is_leaf=True).select_related("area").order_by("sort_key"))
        areas = list(Criterion.objects.filter(framework=framework, depth=1).order_by("sort_key"))
        bands = list(framework.bands.all())
        units = {u.pk: u for u in Unit.objects.filter(pk__in=list(data) + list(without))}
        parents = dict(Unit.objects.filter(pk__in={u.parent_id for u in units.values()}).values_list("pk", "name"))
        if publication is None:
            publication = Publication(round=round, year=round.year, owner_unit=round.owner_unit)
        publication.title = round.name
        publication.framework = framework
        publication.grouping = grouping
        publication.tie_policy = framework.tie_policy
        publication.bands = [{"label": b.label, "lower_bound": str(b.lower_bound), "inclusive": b.inclusive}
                             for b in bands]
        publication.areas = [{"code": a.code, "title": a.title, "max": str(a.max_points)} for a in areas]
        publication.computed_at = timezone.now()
        publication.save()
        publication.results.all().delete()
        results, unrounded, leaf_rows, area_rows = [], {}, [], []
        for unit_id, unit_data in data.items():
            unit = units[unit_id]
            leaf_objs, specs = [], []
            for order, c in enumerate(leaves):
                d = unit_data.leaves.get(c.pk, {})
                is_survey = c.source == "survey"
                final = scoring.final_points(round1=d.get("r1"), round2=d.get("r2"), survey=d.get("survey"),
                                             is_survey=is_survey)
                na = False if is_survey else bool(d.get("r2_na", d.get("r1_na", d.get("self_na", False))))
                specs.append(scoring.Leaf(key=c.pk, max_points=c.max_points, final=final, self_points=d.get("self"),
                                          not_applicable=na, area=c.area_id))
                leaf_objs.append(LeafResult(
                    criterion=c, code=c.code, title=c.title, area_code=c.area.code if c.area_id else "", order=order,
                    max_points=c.max_points, self_points=d.get("self"), round1_points=d.get("r1"),
                    round2_points=d.get("r2"), final_points=final, not_applicable=na, is_survey=is_survey,
                ))
            outcome = scoring.outcome(
                unit_id, specs, bonuses=unit_data.bonuses, penalties=unit_data.penalties,
                bonus_cap=framework.bonus_cap, penalty_cap=framework.penalty_cap,
                allow_over_max=framework.allow_over_max, bands=bands,
            )
            self_total = sum((s.self_points or 0 for s in specs if not s.not_applicable), Decimal(0))
            result = UnitResult(
                publication=publication, unit=unit, year=round.year, unit_code=unit.code, unit_name=unit.name,
                unit_kind=unit.kind, peer_key=peer_key(grouping, framework.pk, unit),
                peer_label=peer_label(grouping, unit, parents), points=q4(outcome.points),
                max_points=q4(outcome.max_sum), bonus=q4(outcome.bonus), penalty=q4(outcome.penalty),
                total=q4(outcome.total), index_percent=q4(outcome.index), class_label=outcome.label or "",
                self_total=q4(self_total),
            )
            unrounded[unit_id] = outcome.index
            results.append(result)
            leaf_rows.append((result, leaf_objs))
            totals = scoring.area_totals(specs)
            self_by_area: dict = {}
            for s in specs:
                if not s.not_applicable and s.self_points is not None:
                    self_by_area[s.area] = self_by_area.get(s.area, Decimal(0)) + s.self_points
            area_rows.append((result, [
                AreaResult(criterion=a, code=a.code, title=a.title, order=i, points=totals.get(a.pk, (0, 0))[0],
                           max_points=totals.get(a.pk, (0, 0))[1], self_points=self_by_area.get(a.pk))
                for i, a in enumerate(areas)
            ]))
        for unit_id in sorted(without, key=lambda pk: units[pk].path):
            unit = units[unit_id]
            results.append(UnitResult(
                publication=publication, unit=unit, year=round.year, unit_code=unit.code, unit_name=unit.name,
                unit_kind=unit.kind, peer_key=peer_key(grouping, framework.pk, unit),
                peer_label=peer_label(grouping, unit, parents), points=0, max_points=0, total=0, index_percent=None,
            ))
            unrounded[unit_id] = None
        assign_ranks(results, unrounded, framework.tie_policy)
        attach_previous(results, round.year)
        UnitResult.objects.bulk_create(results, batch_size=500)
        for result, objs in leaf_rows:
            for obj in objs:
                obj.result = result
        LeafResult.objects.bulk_create([o for _r, objs in leaf_rows for o in objs], batch_size=2000)
        for result, objs in area_rows:
            for obj in objs:
                obj.result = result
        AreaResult.objects.bulk_create([o for _r, objs in area_rows for o in objs], batch_size=2000)
        record(actor=by, action="results.compute", obj=publication, after={"units": len(results), "grouping": grouping})
    return publication


def pending_sheets(publication) -> int:
    """Sheets of the round whose appraisal started but is not finished (publication waits for them)."""
    from parindex.appraisals.models import AppraisalSheet

    if publication.round_id is None:
        return 0
    return AppraisalSheet.objects.filter(assessment__round_id=publication.round_id).exclude(
        status=AppraisalSheet.Status.APPRAISED
    ).count()


def missing_leaves(publication) -> list[tuple[str, str]]:
    """(unit name, criterion code) of applicable leaves without final points."""
    return list(
        LeafResult.objects.filter(result__publication=publication, final_points__isnull=True, not_applicable=False)
        .order_by("result__unit_name", "order").values_list("result__unit_name", "code")[:50]
    )


def approve_results(*, publication, by, decision_number: str, decision_date) -> Publication:
    """Record the council's approval (decision number and date) of a reviewed draft."""
    if not can_manage(by, publication.owner_unit):
        _deny()
    decision_number = (decision_number or "").strip()
    if not decision_number or decision_date is None:
        raise ValidationError(_("Enter the number and the date of the approval decision."))
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        if publication.status != Status.DRAFT:
            raise ValidationError(_("These results are already approved."))
        if pending_sheets(publication):
            raise ValidationError(_("Some score sheets are still being appraised."))
        missing = missing_leaves(publication)
        if missing:
            raise ValidationError(
                _("Some criteria have no final points yet (e.g. survey results not imported): %(list)s.")
                % {"list": "; ".join(f"{unit} {code}" for unit, code in missing[:5])}
            )
        publication.status = Status.APPROVED
        publication.decision_number, publication.decision_date, publication.approved_by = decision_number, decision_date, by
        publication.save()
        record(actor=by, action="results.approve", obj=publication,
               after={"decision_number": decision_number, "decision_date": decision_date})
    return publication


def publish_results(*, publication, by) -> Publication:
    """Publish approved results: from now on every logged-in user sees them; they never change."""
    if not can_manage(by, publication.owner_unit):
        _deny()
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        if publication.status != Status.APPROVED:
            raise ValidationError(_("Record the council's approval before publishing."))
        publication.status = Status.PUBLISHED
        publication.published_at, publication.published_by = timezone.now(), by
        publication.save()
        if publication.round_id:
            from parindex.assessments.models import Round

            Round.objects.filter(pk=publication.round_id).update(status=Round.Status.CLOSED)
        record(actor=by, action="results.publish", obj=publication, after={"units": publication.results.count()})
    return publication
