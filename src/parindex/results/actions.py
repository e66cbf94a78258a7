"""Workflow steps of results: compute (draft), record the council approval, publish; import history."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.audit import record
from parindex.results import scoring
from parindex.results.compute import (
    COPY_NULL,
    assign_ranks,
    attach_previous,
    copy_lines,
    copy_text,
    insert_rows,
    peer_key,
    peer_label,
    q4,
    q_index,
)
from parindex.results.models import AreaResult, LeafResult, Publication, UnitResult
from parindex.units.models import Membership
from parindex.units.visibility import has_role

Status = Publication.Status
ZERO = Decimal(0)
# Units written per chunk while computing: one bulk insert of their unit results, one prepared
# insert of their leaf rows (≈100 a unit) and one of their area rows.
CHUNK_UNITS = 200
LEAF_COLUMNS = (
    "result_id",
    "criterion_id",
    "code",
    "title",
    "area_code",
    "order",
    "max_points",
    "self_points",
    "round1_points",
    "round2_points",
    "final_points",
    "not_applicable",
    "is_survey",
)
AREA_COLUMNS = ("result_id", "criterion_id", "code", "title", "order", "points", "max_points", "self_points")


def can_manage(user, unit) -> bool:
    return has_role(user, unit, Membership.Role.INDEX_MANAGER, inherited=True)


def _deny():
    raise PermissionDenied(_("You may not do this."))


def compute_results(*, round, by, grouping: str = Publication.Grouping.KIND, progress=None) -> Publication:
    """Compute (or recompute) the draft results table of an appraised round for review.

    Only sheets whose appraisal is finished get a result. Published tables are never recomputed.
    Every unit's outcome is computed first (ranks need them all); the rows are then written per
    chunk of ``CHUNK_UNITS`` units: one bulk insert of the unit results, one prepared insert each for
    their leaf and area rows. No per-unit queries; ``progress(done, total, message)``, if given, is
    called after each chunk.
    """
    from parindex.appraisals.selectors import round_data
    from parindex.frameworks.models import Criterion
    from parindex.units.models import Unit

    if not can_manage(by, round.owner_unit):
        _deny()
    if grouping not in Publication.Grouping.values:
        raise ValidationError(_("Unknown peer group."))
    report = progress or (lambda done, total=None, message="": None)
    framework = round.framework
    with transaction.atomic():
        publication = Publication.objects.select_for_update().filter(round=round).first()
        if publication and publication.status != Status.DRAFT:
            raise ValidationError(
                _("These results are approved or published and can no longer be recomputed.")
            )
        data, _counts = round_data(round)
        # Units of the round without a finished appraisal get a row without result ("chưa có kết quả"):
        # excluded from the rank and from N, but visible in the table.
        without = set(round.assessments.values_list("unit_id", flat=True)) - set(data)
        report(0, len(data) + len(without), _("Computing the results…"))
        leaves = list(
            Criterion.objects.filter(framework=framework, is_leaf=True)
            .select_related("area")
            .order_by("sort_key")
        )
        areas = list(Criterion.objects.filter(framework=framework, depth=1).order_by("sort_key"))
        bands = list(framework.bands.all())
        units = {u.pk: u for u in Unit.objects.filter(pk__in=list(data) + list(without))}
        parents = dict(
            Unit.objects.filter(pk__in={u.parent_id for u in units.values()}).values_list("pk", "name")
        )
        if publication is None:
            publication = Publication(round=round, year=round.year, owner_unit=round.owner_unit)
        publication.title = round.name
        publication.framework = framework
        publication.grouping = grouping
        publication.tie_policy = framework.tie_policy
        publication.published_points = framework.published_points
        publication.bands = [
            {"label": b.label, "lower_bound": str(b.lower_bound), "inclusive": b.inclusive} for b in bands
        ]
        publication.areas = [{"code": a.code, "title": a.title, "max": str(a.max_points)} for a in areas]
        publication.computed_at = timezone.now()
        publication.save()
        # Leaf and area rows first, in one statement each (no cascade collecting 100 rows per unit).
        LeafResult.objects.filter(result__publication=publication).delete()
        AreaResult.objects.filter(result__publication=publication).delete()
        publication.results.all().delete()
        # Constants, read once. Area i of ``areas`` is the i-th area row of every unit.
        area_index = {a.pk: i for i, a in enumerate(areas)}
        area_heads = [(a.pk, a.code, a.title, order) for order, a in enumerate(areas)]
        # Per leaf: (criterion id, the leaf row's constant columns LEAF_COLUMNS[1:7], max, is survey,
        # index of its area or None).
        leaf_meta = [
            (
                c.pk,
                (c.pk, c.code, c.title, c.area.code if c.area_id else "", order, c.max_points),
                c.max_points,
                c.source == "survey",
                area_index.get(c.area_id),
            )
            for order, c in enumerate(leaves)
        ]
        labels: dict[tuple, str] = {}

        def label_of(unit) -> str:  # one translated label per kind, class and parent, not per unit
            key = (unit.kind, unit.grade, unit.parent_id)
            if key not in labels:
                labels[key] = peer_label(grouping, unit, parents)
            return labels[key]

        # On PostgreSQL the leaf rows are built directly as COPY text lines (without the result id):
        # the constant columns of a leaf are formatted once here, not once per unit.
        as_text = connections[router.db_for_write(LeafResult)].vendor == "postgresql"
        null = COPY_NULL
        leaf_text = {
            criterion_id: (
                "\t".join(copy_text(v) for v in head),
                copy_text(is_survey),
                "\t".join(copy_text(v) for v in (*head, None, None, None, None, False, is_survey)),
            )
            for criterion_id, head, _max, is_survey, _ai in leaf_meta
        }
        results, unrounded, leaves_of, areas_of = [], {}, {}, {}
        n_areas = len(areas)
        bonus_cap, penalty_cap = framework.bonus_cap, framework.penalty_cap
        allow_over_max = framework.allow_over_max
        # The hot loop (3,332 units × 100 leaves nationally): the rules of ``scoring.final_points``,
        # ``sum_final``/``sum_max``, ``area_totals`` and the self totals, inline on plain values
        # instead of a ``scoring.Leaf`` per leaf and several passes over them. Adding a zero final
        # is skipped as ``x or ZERO`` did: the same Decimals, the same rows
        # (tests/results/test_publication.py recomputes them independently).
        for unit_id, unit_data in data.items():
            unit = units[unit_id]
            unit_leaves = unit_data.leaves
            leaf_values = []
            append = leaf_values.append
            points = maximum = self_total = ZERO
            area_points, area_max, area_self = [ZERO] * n_areas, [ZERO] * n_areas, [None] * n_areas
            for criterion_id, head, max_points, is_survey, ai in leaf_meta:
                d = unit_leaves.get(criterion_id)
                if d is None:  # nothing entered: no final points, applicable
                    append(
                        leaf_text[criterion_id][2]
                        if as_text
                        else head + (None, None, None, None, False, is_survey)
                    )
                    maximum += max_points
                    if ai is not None:
                        area_max[ai] += max_points
                    continue
                r1 = d.get("r1")
                r2 = d.get("r2")
                self_points = d.get("self")
                if is_survey:
                    # Never self-scored: a self value on a survey leaf (an empty score row, a 0 typed
                    # into an old sheet) is not the unit's score and is not stored ("—", issue 17).
                    final = d.get("survey")
                    self_points = None
                    na = False
                else:
                    final = r2 if r2 is not None else r1
                    # The last word on "not applicable": round 2, else round 1, else the unit's own.
                    if "r2_na" in d:
                        na = bool(d["r2_na"])
                    elif "r1_na" in d:
                        na = bool(d["r1_na"])
                    else:
                        na = bool(d.get("self_na", False))
                # The leaf row without its result id (LEAF_COLUMNS[1:]), written once the result has one.
                if as_text:
                    head_text, survey_text, _empty = leaf_text[criterion_id]
                    append(
                        f"{head_text}\t{null if self_points is None else self_points}"
                        f"\t{null if r1 is None else r1}\t{null if r2 is None else r2}"
                        f"\t{null if final is None else final}\t{'t' if na else 'f'}\t{survey_text}"
                    )
                else:
                    append(head + (self_points, r1, r2, final, na, is_survey))
                if na:
                    continue
                maximum += max_points
                if final:
                    points += final
                if self_points:
                    self_total += self_points
                if ai is not None:
                    area_max[ai] += max_points
                    if final:
                        area_points[ai] += final
                    if self_points is not None:
                        previous = area_self[ai]
                        area_self[ai] = (ZERO if previous is None else previous) + self_points
            outcome = scoring.outcome_of_sums(
                unit_id,
                points,
                maximum,
                bonuses=unit_data.bonuses,
                penalties=unit_data.penalties,
                bonus_cap=bonus_cap,
                penalty_cap=penalty_cap,
                allow_over_max=allow_over_max,
                bands=bands,
            )
            results.append(
                UnitResult(
                    publication=publication,
                    unit=unit,
                    year=round.year,
                    unit_code=unit.code,
                    unit_name=unit.name,
                    unit_kind=unit.kind,
                    peer_key=peer_key(grouping, framework.pk, unit),
                    peer_label=label_of(unit),
                    points=q4(outcome.points),
                    max_points=q4(outcome.max_sum),
                    bonus=q4(outcome.bonus),
                    penalty=q4(outcome.penalty),
                    total=q4(outcome.total),
                    index_percent=q_index(outcome.index),
                    class_label=outcome.label or "",
                    self_total=q4(self_total),
                )
            )
            unrounded[unit_id] = outcome.index
            leaves_of[unit_id] = leaf_values
            # The area rows without their result id (AREA_COLUMNS[1:]).
            areas_of[unit_id] = [
                head + (area_points[i], area_max[i], area_self[i]) for i, head in enumerate(area_heads)
            ]
        for unit_id in sorted(without, key=lambda pk: units[pk].path):
            unit = units[unit_id]
            results.append(
                UnitResult(
                    publication=publication,
                    unit=unit,
                    year=round.year,
                    unit_code=unit.code,
                    unit_name=unit.name,
                    unit_kind=unit.kind,
                    peer_key=peer_key(grouping, framework.pk, unit),
                    peer_label=label_of(unit),
                    points=0,
                    max_points=0,
                    total=0,
                    index_percent=None,
                )
            )
            unrounded[unit_id] = None
        assign_ranks(results, unrounded, framework.tie_policy)
        attach_previous(results, round.year)
        for start in range(0, len(results), CHUNK_UNITS):
            chunk = results[start : start + CHUNK_UNITS]
            UnitResult.objects.bulk_create(chunk)
            leaf_rows, area_rows = [], []
            for result in chunk:
                values = leaves_of.pop(result.unit_id, None)
                if values is None:  # no result: no leaf or area rows
                    continue
                head = (result.pk,)
                if as_text:
                    leaf_rows.extend(f"{result.pk}\t{line}\n" for line in values)
                else:
                    leaf_rows.extend(head + v for v in values)
                area_rows.extend(head + v for v in areas_of.pop(result.unit_id))
            if as_text:
                copy_lines(LeafResult, LEAF_COLUMNS, leaf_rows)
            else:
                insert_rows(LeafResult, LEAF_COLUMNS, leaf_rows)
            insert_rows(AreaResult, AREA_COLUMNS, area_rows)
            report(start + len(chunk), len(results), _("Writing the results table…"))
        record(
            actor=by,
            action="results.compute",
            obj=publication,
            after={"units": len(results), "grouping": grouping},
        )
    return publication


def pending_sheets(publication) -> int:
    """Sheets of the round whose appraisal started but is not finished (publication waits for them)."""
    from parindex.appraisals.models import AppraisalSheet

    if publication.round_id is None:
        return 0
    return (
        AppraisalSheet.objects.filter(assessment__round_id=publication.round_id)
        .exclude(status=AppraisalSheet.Status.APPRAISED)
        .count()
    )


def missing_leaves(publication) -> list[tuple[str, str]]:
    """(unit name, criterion code) of applicable leaves without final points."""
    return list(
        LeafResult.objects.filter(
            result__publication=publication, final_points__isnull=True, not_applicable=False
        )
        .order_by("result__unit_name", "order")
        .values_list("result__unit_name", "code")[:50]
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
        publication.decision_number, publication.decision_date, publication.approved_by = (
            decision_number,
            decision_date,
            by,
        )
        publication.save()
        record(
            actor=by,
            action="results.approve",
            obj=publication,
            after={"decision_number": decision_number, "decision_date": decision_date},
        )
    return publication


def publish_results(*, publication, by, progress=None) -> Publication:
    """Publish approved results: from now on every logged-in user sees them; they never change.

    ``progress(done, total, message)``, if given, hears the number of units published.
    """
    if not can_manage(by, publication.owner_unit):
        _deny()
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        if publication.status == Status.PUBLISHED:
            raise ValidationError(_("These results are already published."))
        if publication.status != Status.APPROVED:
            raise ValidationError(_("Record the council's approval before publishing."))
        units = publication.results.count()
        if progress:
            progress(0, units, _("Publishing the results…"))
        publication.status = Status.PUBLISHED
        publication.published_at, publication.published_by = timezone.now(), by
        publication.save()
        if publication.round_id:
            from parindex.assessments.models import Round

            Round.objects.filter(pk=publication.round_id).update(status=Round.Status.CLOSED)
        record(actor=by, action="results.publish", obj=publication, after={"units": units})
    if progress:
        progress(units, units, _("The results were published."))
    return publication
