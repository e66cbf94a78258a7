"""Importing published results of past years from .xlsx (``parindex import_results FILE``).

Sheet 1 (results, one row per unit and year): Năm, Mã đơn vị, Tổng điểm, and optionally
Điểm tối đa (default: the framework's max total, else 100), Chỉ số (%), Xếp loại, Xếp hạng,
Trên tổng số. Optional sheet "Chi tiết" (details): Năm, Mã đơn vị, Mã tiêu chí, Tên tiêu chí,
Điểm, Điểm tối đa — a code without a dot is an area (lĩnh vực), any other code a leaf.

Missing index % = 100 × total / max; a missing class is computed from the framework's bands
(when ``--framework`` is given); missing ranks are computed per year and unit type with the
framework's tie policy (competition by default) — but only if *no* row of that group gives a
rank (a group either brings its official ranks or gets computed ones, never a mix).
Re-importing a year replaces that year's imported table of the same managing unit.
Every row is checked first; nothing is written if any row is wrong.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.core.audit import record
from parindex.core.spreadsheets import Column, RowError, SpreadsheetError, read_table
from parindex.results import scoring
from parindex.results.compute import attach_previous, q_index
from parindex.results.models import AreaResult, LeafResult, Publication, UnitResult

RESULT_COLUMNS = [
    Column("year", ("Năm", "Year"), kind="int", required=True),
    Column("unit", ("Mã đơn vị", "Unit code"), required=True),
    Column("total", ("Tổng điểm", "Total"), kind="decimal", required=True),
    Column("max", ("Điểm tối đa", "Maximum"), kind="decimal"),
    Column("index", ("Chỉ số (%)", "Index (%)"), kind="decimal"),
    Column("label", ("Xếp loại", "Class")),
    Column("rank", ("Xếp hạng", "Rank"), kind="int"),
    Column("rank_of", ("Trên tổng số", "Rank of"), kind="int"),
]
DETAIL_COLUMNS = [
    Column("year", ("Năm", "Year"), kind="int", required=True),
    Column("unit", ("Mã đơn vị", "Unit code"), required=True),
    Column("code", ("Mã tiêu chí", "Criterion code"), required=True),
    Column("title", ("Tên tiêu chí", "Criterion")),
    Column("points", ("Điểm", "Points"), kind="decimal", required=True),
    Column("max", ("Điểm tối đa", "Maximum"), kind="decimal", required=True),
]
DETAIL_SHEET = "Chi tiết"


def _common_ancestor(units):
    paths = [u.path for u in units]
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[: prefix.rstrip("/").rfind("/") + 1]
    ids = [int(x) for x in prefix.strip("/").split("/") if x]
    return ids[-1] if ids else None


def import_results(source, *, by=None, framework=None) -> dict[int, int]:
    """Read, validate and store; return {year: units imported}."""
    from openpyxl import load_workbook  # noqa: F401  (read_table needs it; fail early if missing)

    from parindex.core.spreadsheets import _read_bytes
    from parindex.units.models import Unit

    data = _read_bytes(source)
    table = read_table(data, RESULT_COLUMNS)
    details = None
    try:
        details = read_table(data, DETAIL_COLUMNS, sheet=DETAIL_SHEET)
    except SpreadsheetError as exc:
        if not (len(exc.errors) == 1 and exc.errors[0].row is None and DETAIL_SHEET in exc.errors[0].message):
            raise SpreadsheetError(
                [RowError(e.row, f"{DETAIL_SHEET}: {e.message}", e.column) for e in exc.errors]
            )
    codes = {r["unit"] for _n, r in table} | ({r["unit"] for _n, r in details} if details else set())
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    default_max = framework.max_total if framework else Decimal(100)
    bands = list(framework.bands.all()) if framework else []
    policy = framework.tie_policy if framework else scoring.COMPETITION
    errors, rows, seen = [], [], set()
    for number, row in table:
        unit = units.get(row["unit"])
        if unit is None:
            errors.append(
                RowError(
                    number, _("There is no unit with code “%(code)s”.") % {"code": row["unit"]}, "Mã đơn vị"
                )
            )
            continue
        if (row["year"], unit.pk) in seen:
            errors.append(RowError(number, _("This unit appears twice for the same year.")))
        seen.add((row["year"], unit.pk))
        if not 1990 <= row["year"] <= 2100:
            errors.append(RowError(number, _("“%(value)s” is not a year.") % {"value": row["year"]}, "Năm"))
        maximum = row["max"] if row["max"] is not None else default_max
        if maximum is None or maximum <= 0:
            errors.append(RowError(number, _("The maximum must be greater than 0."), "Điểm tối đa"))
            continue
        if row["total"] < 0:
            errors.append(RowError(number, _("Points cannot be negative."), "Tổng điểm"))
        if row["index"] is not None and not 0 <= row["index"] <= 1000:
            errors.append(RowError(number, _("The index must be a percentage."), "Chỉ số (%)"))
        if row["rank"] is not None and (
            row["rank"] < 1 or (row["rank_of"] is not None and row["rank"] > row["rank_of"])
        ):
            errors.append(
                RowError(number, _("The rank must be between 1 and the number of ranked units."), "Xếp hạng")
            )
        rows.append((unit, maximum, row))
    detail_rows = defaultdict(list)
    if details:
        for number, row in details:
            unit = units.get(row["unit"])
            if unit is None:
                errors.append(
                    RowError(
                        number,
                        f"{DETAIL_SHEET}: "
                        + _("There is no unit with code “%(code)s”.") % {"code": row["unit"]},
                    )
                )
                continue
            if (row["year"], unit.pk) not in seen:
                errors.append(
                    RowError(
                        number,
                        f"{DETAIL_SHEET}: " + _("This unit has no total for that year on the first sheet."),
                    )
                )
            if row["points"] < 0 or row["max"] <= 0 or row["points"] > row["max"]:
                errors.append(
                    RowError(number, f"{DETAIL_SHEET}: " + _("Points must be between 0 and the maximum."))
                )
            detail_rows[(row["year"], unit.pk)].append(row)
    if errors:
        raise SpreadsheetError(errors)

    by_year = defaultdict(list)
    for unit, maximum, row in rows:
        by_year[row["year"]].append((unit, maximum, row))
    counts = {}
    with transaction.atomic():
        for year in sorted(by_year):
            items = by_year[year]
            owner_id = _common_ancestor([u for u, _m, _r in items]) or items[0][0].pk
            Publication.objects.filter(
                year=year, owner_unit_id=owner_id, source=Publication.Source.IMPORT
            ).delete()
            publication = Publication.objects.create(
                year=year,
                title=_("Published results %(year)s (imported)") % {"year": year},
                framework=framework,
                owner_unit_id=owner_id,
                source=Publication.Source.IMPORT,
                status=Publication.Status.PUBLISHED,
                tie_policy=policy,
                published_points=framework.published_points if framework else "total",
                published_by=by if getattr(by, "is_authenticated", False) else None,
                bands=[
                    {"label": b.label, "lower_bound": str(b.lower_bound), "inclusive": b.inclusive}
                    for b in bands
                ],
            )
            from django.utils import timezone

            publication.published_at = timezone.now()
            publication.save(update_fields=["published_at"])
            results, unrounded = [], {}
            for unit, maximum, row in items:
                index = (
                    row["index"]
                    if row["index"] is not None
                    else scoring.index_percent(row["total"], maximum, allow_over_max=True)
                )
                label = row["label"] or (scoring.classify(index, bands) or "")
                results.append(
                    UnitResult(
                        publication=publication,
                        unit=unit,
                        year=year,
                        unit_code=unit.code,
                        unit_name=unit.name,
                        unit_kind=unit.kind,
                        peer_key=f"{framework.pk if framework else 0}:{unit.kind}",
                        peer_label=str(unit.get_kind_display()),
                        points=row["total"],
                        max_points=maximum,
                        total=row["total"],
                        index_percent=q_index(index),
                        class_label=label,
                        rank=row["rank"],
                        rank_of=row["rank_of"] or 0,
                    )
                )
                unrounded[unit.pk] = index
            groups = defaultdict(list)
            for r in results:
                groups[r.peer_key].append(r)
            for members in groups.values():
                if all(m.rank is None for m in members):
                    values = {m.unit_id: unrounded[m.unit_id] for m in members}
                    ranks, n = scoring.rank(values, policy=policy), scoring.rank_of(values)
                    for m in members:
                        m.rank, m.rank_of = ranks[m.unit_id], n
                else:
                    n = len(members)
                    for m in members:
                        m.rank_of = m.rank_of or n
            attach_previous(results, year)
            UnitResult.objects.bulk_create(results)
            areas, leaves = [], []
            for r in results:
                for i, d in enumerate(detail_rows.get((year, r.unit_id), [])):
                    if "." in d["code"]:
                        leaves.append(
                            LeafResult(
                                result=r,
                                code=d["code"],
                                title=d["title"] or d["code"],
                                area_code=d["code"].split(".")[0],
                                order=i,
                                max_points=d["max"],
                                final_points=d["points"],
                            )
                        )
                    else:
                        areas.append(
                            AreaResult(
                                result=r,
                                code=d["code"],
                                title=d["title"] or d["code"],
                                order=i,
                                points=d["points"],
                                max_points=d["max"],
                            )
                        )
            AreaResult.objects.bulk_create(areas)
            LeafResult.objects.bulk_create(leaves)
            area_codes = []
            for a in areas:
                if a.code not in [x["code"] for x in area_codes]:
                    area_codes.append({"code": a.code, "title": a.title, "max": str(a.max_points)})
            publication.areas = area_codes
            publication.save(update_fields=["areas"])
            record(
                actor=by,
                action="results.import",
                obj=publication,
                after={"year": year, "units": len(results)},
            )
            counts[year] = len(results)
    return counts
