"""Importing published results of past years from .xlsx (``parindex import_results FILE``).

Sheet 1 (results, one row per unit and year): Năm, Mã đơn vị, Tổng điểm, and optionally
Điểm tối đa (default: the framework's max total, else 100), Chỉ số (%), Xếp loại, Xếp hạng,
Trên tổng số. Optional sheet "Chi tiết" (details): Năm, Mã đơn vị, Mã tiêu chí, Tên tiêu chí,
Điểm, Điểm tối đa, Không áp dụng.

**Without ``--framework``** a detail code without a dot is an area (lĩnh vực), any other code a
leaf; points and maximum are taken as written (points ≤ maximum).

**With ``--framework``** the details are tied to the framework (issue 17, defect 8):

* every detail row is matched to the framework's criterion of that code; an unknown code is refused;
* a leaf's maximum, its title, its area, whether it is a survey leaf (Phụ lục I/II leave it out, the
  lost-points statistics put it in the survey column) come from the framework; a "Điểm tối đa"
  written in the file must agree; a value above the leaf's maximum is refused;
* **not applicable** is written "KAD" (Không áp dụng; "Không áp dụng" and "N/A" are read the same)
  in "Điểm", or "Điểm" left empty with the column "Không áp dụng" marked (x / Có); allowed only on a
  leaf the framework lets be not applicable (never a survey leaf). An empty "Điểm" without the
  marker is refused (nobody can tell a forgotten value from a not-applicable leaf);
* when a unit's year has per-leaf rows, every leaf of the framework must be there, and its totals are
  **derived from the leaves**: points = Σ points of applicable leaves, maximum = Σ maxima of
  applicable leaves, index = 100 × points / maximum, area rows the sums of their leaves. "Tổng điểm",
  "Điểm tối đa" and "Chỉ số (%)" of sheet 1 may then be left empty; if written they must agree
  (the index to its 2 published decimals), as must any area (or other parent) row of the details.

Every refusal names the row, the unit and the criterion. Missing index % = 100 × total / max; a
missing class is computed from the framework's bands (when ``--framework`` is given); missing ranks
are computed per year and unit type with the framework's tie policy (competition by default) — but
only if *no* row of that group gives a rank (a group either brings its official ranks or gets
computed ones, never a mix). Re-importing a year replaces that year's imported table of the same
managing unit. Every row is checked first; nothing is written if any row is wrong.
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
    # Required unless the unit's year has per-leaf rows and a framework (then derived from them).
    Column("total", ("Tổng điểm", "Total"), kind="decimal"),
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
    Column("points", ("Điểm", "Points")),  # a number, or "KAD" (not applicable)
    Column("max", ("Điểm tối đa", "Maximum"), kind="decimal"),
    Column("not_applicable", ("Không áp dụng", "KAD", "Not applicable"), kind="bool"),
]
DETAIL_SHEET = "Chi tiết"
NOT_APPLICABLE_WORDS = {"kad", "khong ap dung", "n/a", "na"}
INDEX_PLACES = Decimal("0.01")  # a published index is written with 2 decimals


def _points_cell(value: str | None):
    """(points, not_applicable) of a "Điểm" cell; raises ValueError with a translated message."""
    from parindex.core.text import parse_decimal, search_key

    if value is None:
        return None, False
    if search_key(value) in NOT_APPLICABLE_WORDS:
        return None, True
    try:
        return parse_decimal(value), False
    except (ValueError, ArithmeticError):
        raise ValueError(
            _("“%(value)s” is not a number (write KAD for a criterion that does not apply).")
            % {"value": value}
        )


def _n(value: Decimal) -> str:
    """Points as people write them: 22,5 / 25."""
    from parindex.core.text import format_decimal

    return format_decimal(value, places=4)


def _common_ancestor(units):
    paths = [u.path for u in units]
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[: prefix.rstrip("/").rfind("/") + 1]
    ids = [int(x) for x in prefix.strip("/").split("/") if x]
    return ids[-1] if ids else None


def _unit_label(unit) -> str:
    return f"{unit.code} ({unit.name})"


def _check_framework_details(framework, detail_rows, units_by_pk, errors) -> dict:
    """Match the per-leaf rows of each (year, unit) to ``framework``; collect refusals in ``errors``.

    Returns {(year, unit_pk): Derived} for every unit-year with rows. Row refusals name the row, the
    unit and the criterion.
    """
    criteria = {c.code: c for c in framework.criteria.select_related("area").order_by("sort_key")}
    leaves = [c for c in criteria.values() if c.is_leaf]
    derived = {}
    for key, rows in detail_rows.items():
        unit = units_by_pk[key[1]]
        seen: dict[str, int] = {}
        values: dict[str, tuple] = {}  # leaf code -> (points or None, not applicable)
        parents: list[tuple[int, dict, object]] = []
        for number, row in rows:
            code = row["code"]

            def refuse(message, column="", *, number=number, code=code, unit=unit):
                errors.append(
                    RowError(
                        number,
                        f"{DETAIL_SHEET}: "
                        + _("unit %(unit)s, criterion %(code)s: %(message)s")
                        % {"unit": _unit_label(unit), "code": code, "message": message},
                        column,
                    )
                )

            criterion = criteria.get(code)
            if criterion is None:
                refuse(
                    _("there is no such criterion in the framework “%(framework)s”.")
                    % {"framework": framework.name},
                    "Mã tiêu chí",
                )
                continue
            if code in seen:
                refuse(
                    _("this criterion appears twice for the unit and year (also row %(row)s).")
                    % {"row": seen[code]},
                    "Mã tiêu chí",
                )
                continue
            seen[code] = number
            if not criterion.is_leaf:
                parents.append((number, row, criterion))
                continue
            points, not_applicable = row["points"], row["not_applicable"]
            if row["max"] is not None and row["max"] != criterion.max_points:
                refuse(
                    _("the maximum written (%(written)s) is not the framework's maximum %(max)s.")
                    % {"written": _n(row["max"]), "max": _n(criterion.max_points)},
                    "Điểm tối đa",
                )
                continue
            if not_applicable:
                if points is not None:
                    refuse(_("points are written but the criterion is marked not applicable."), "Điểm")
                elif criterion.is_survey or not criterion.allow_not_applicable:
                    refuse(
                        _("the framework does not allow this criterion to be marked not applicable (KAD)."),
                        "Điểm",
                    )
                else:
                    values[code] = (None, True)
                continue
            if points is None:
                refuse(
                    _(
                        "the points are empty: write the points, or KAD (or mark the column “Không áp "
                        "dụng”) if the criterion does not apply."
                    ),
                    "Điểm",
                )
                continue
            if points < 0 or points > criterion.max_points:
                refuse(
                    _("%(points)s points is outside 0..%(max)s, the framework's maximum for this criterion.")
                    % {"points": _n(points), "max": _n(criterion.max_points)},
                    "Điểm",
                )
                continue
            values[code] = (points, False)
        leaf_rows = [code for code in seen if code in criteria and criteria[code].is_leaf]
        if not leaf_rows:
            derived[key] = None  # only area rows: stored as written (checked against nothing)
            continue
        missing = [c.code for c in leaves if c.code not in seen]
        if missing:
            errors.append(
                RowError(
                    rows[0][0],
                    f"{DETAIL_SHEET}: "
                    + _(
                        "unit %(unit)s: the per-leaf rows of %(year)s lack the criteria %(codes)s of the framework."
                    )
                    % {"unit": _unit_label(unit), "year": key[0], "codes": ", ".join(missing[:20])},
                )
            )
            derived[key] = False
            continue
        if len(values) != len(leaves):
            derived[key] = False  # refused rows, reported above
            continue
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for leaf in leaves:
            points, not_applicable = values[leaf.code]
            if not_applicable:
                continue
            for ancestor_id in _ancestors(leaf, criteria):
                sums[ancestor_id][0] += points
                sums[ancestor_id][1] += leaf.max_points
        for number, row, criterion in parents:
            got, maximum = sums[criterion.pk]
            points, _na = row["points"], row["not_applicable"]
            if points is not None and points != got:
                errors.append(
                    RowError(
                        number,
                        f"{DETAIL_SHEET}: "
                        + _(
                            "unit %(unit)s, criterion %(code)s: %(points)s points written, but its leaves add up to "
                            "%(sum)s."
                        )
                        % {
                            "unit": _unit_label(unit),
                            "code": criterion.code,
                            "points": _n(points),
                            "sum": _n(got),
                        },
                        "Điểm",
                    )
                )
            if row["max"] is not None and row["max"] != maximum:
                errors.append(
                    RowError(
                        number,
                        f"{DETAIL_SHEET}: "
                        + _(
                            "unit %(unit)s, criterion %(code)s: maximum %(written)s written, but its applicable leaves "
                            "add up to %(sum)s."
                        )
                        % {
                            "unit": _unit_label(unit),
                            "code": criterion.code,
                            "written": _n(row["max"]),
                            "sum": _n(maximum),
                        },
                        "Điểm tối đa",
                    )
                )
        points = sum((values[c.code][0] for c in leaves if not values[c.code][1]), Decimal(0))
        maximum = sum((c.max_points for c in leaves if not values[c.code][1]), Decimal(0))
        derived[key] = {
            "points": points,
            "max": maximum,
            "values": values,
            "sums": sums,
            "leaves": leaves,
            "criteria": criteria,
        }
    return derived


def _ancestors(leaf, criteria) -> list[int]:
    by_pk = {c.pk: c for c in criteria.values()}
    out, node = [], leaf
    while node is not None:
        out.append(node.pk)
        node = by_pk.get(node.parent_id)
    return out


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
    result_row_of: dict[tuple[int, int], int] = {}
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
        result_row_of[(row["year"], unit.pk)] = number
        if not 1990 <= row["year"] <= 2100:
            errors.append(RowError(number, _("“%(value)s” is not a year.") % {"value": row["year"]}, "Năm"))
        maximum = row["max"] if row["max"] is not None else default_max
        if maximum is None or maximum <= 0:
            errors.append(RowError(number, _("The maximum must be greater than 0."), "Điểm tối đa"))
            continue
        if row["total"] is not None and row["total"] < 0:
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
            try:
                row["points"], marked = _points_cell(row["points"])
            except ValueError as exc:
                errors.append(RowError(number, f"{DETAIL_SHEET}: {exc}", "Điểm"))
                continue
            row["not_applicable"] = bool(row["not_applicable"]) or marked
            if framework is None:
                if row["max"] is None or row["max"] <= 0:
                    errors.append(
                        RowError(
                            number,
                            f"{DETAIL_SHEET}: " + _("The maximum must be greater than 0."),
                            "Điểm tối đa",
                        )
                    )
                elif row["points"] is None and not row["not_applicable"]:
                    errors.append(
                        RowError(number, f"{DETAIL_SHEET}: " + _("This cell must not be empty."), "Điểm")
                    )
                elif row["points"] is not None and not 0 <= row["points"] <= row["max"]:
                    errors.append(
                        RowError(number, f"{DETAIL_SHEET}: " + _("Points must be between 0 and the maximum."))
                    )
            detail_rows[(row["year"], unit.pk)].append((number, row))
    derived = {}
    if framework is not None and detail_rows:
        derived = _check_framework_details(framework, detail_rows, {u.pk: u for u in units.values()}, errors)
    for unit, _maximum, row in rows:
        key = (row["year"], unit.pk)
        number = result_row_of[key]
        leafwise = derived.get(key)
        if leafwise is False:
            continue  # its per-leaf rows were refused; the totals cannot be derived
        if leafwise is None:
            if row["total"] is None:
                errors.append(RowError(number, _("This cell must not be empty."), "Tổng điểm"))
            continue
        subject = {"unit": _unit_label(unit)}
        if row["total"] is not None and row["total"] != leafwise["points"]:
            errors.append(
                RowError(
                    number,
                    _(
                        "unit %(unit)s: the total %(total)s disagrees with its per-leaf rows, which add up to %(sum)s."
                    )
                    % {**subject, "total": _n(row["total"]), "sum": _n(leafwise["points"])},
                    "Tổng điểm",
                )
            )
        if row["max"] is not None and row["max"] != leafwise["max"]:
            errors.append(
                RowError(
                    number,
                    _(
                        "unit %(unit)s: the maximum %(written)s disagrees with its applicable leaves, which add up to "
                        "%(sum)s."
                    )
                    % {**subject, "written": _n(row["max"]), "sum": _n(leafwise["max"])},
                    "Điểm tối đa",
                )
            )
        index = scoring.index_percent(leafwise["points"], leafwise["max"], allow_over_max=True)
        if row["index"] is not None and index is not None and abs(row["index"] - index) >= INDEX_PLACES / 2:
            errors.append(
                RowError(
                    number,
                    _("unit %(unit)s: the index %(written)s disagrees with its per-leaf rows (%(index)s).")
                    % {**subject, "written": _n(row["index"]), "index": _n(index.quantize(INDEX_PLACES))},
                    "Chỉ số (%)",
                )
            )
    if errors:
        raise SpreadsheetError(sorted(errors, key=lambda e: (e.message.startswith(DETAIL_SHEET), e.row or 0)))

    by_year = defaultdict(list)
    for unit, maximum, row in rows:
        leafwise = derived.get((row["year"], unit.pk))
        if leafwise is not None:
            # Derived from the leaves: the stored figures are the leaves' sums, whatever was left empty.
            maximum = leafwise["max"]
            row = {**row, "total": leafwise["points"], "index": None}
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
                leafwise = derived.get((year, r.unit_id))
                if leafwise is not None:
                    a, lv = _framework_rows(r, leafwise)
                    areas += a
                    leaves += lv
                    continue
                for i, (_number, d) in enumerate(detail_rows.get((year, r.unit_id), [])):
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
                                not_applicable=d["not_applicable"],
                            )
                        )
                    else:
                        areas.append(
                            AreaResult(
                                result=r,
                                code=d["code"],
                                title=d["title"] or d["code"],
                                order=i,
                                points=d["points"] or Decimal(0),
                                max_points=d["max"],
                            )
                        )
            AreaResult.objects.bulk_create(areas)
            LeafResult.objects.bulk_create(leaves)
            if framework is not None and any(derived.get((year, r.unit_id)) for r in results):
                area_codes = [
                    {"code": a.code, "title": a.title, "max": str(a.max_points)} for a in framework.areas()
                ]
            else:
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


def _framework_rows(result, leafwise) -> tuple[list[AreaResult], list[LeafResult]]:
    """The area and leaf rows of one unit's year, from the framework and the checked per-leaf values."""
    areas, leaves = [], []
    sums = leafwise["sums"]
    criteria = leafwise["criteria"]
    for order, criterion in enumerate(c for c in criteria.values() if c.depth == 1):
        points, maximum = sums.get(criterion.pk, (Decimal(0), Decimal(0)))
        areas.append(
            AreaResult(
                result=result,
                criterion=criterion,
                code=criterion.code,
                title=criterion.title,
                order=order,
                points=points,
                max_points=maximum,
            )
        )
    for order, leaf in enumerate(leafwise["leaves"]):
        points, not_applicable = leafwise["values"][leaf.code]
        leaves.append(
            LeafResult(
                result=result,
                criterion=leaf,
                code=leaf.code,
                title=leaf.title,
                area_code=leaf.area.code if leaf.area_id else leaf.code.split(".")[0],
                order=order,
                max_points=leaf.max_points,
                final_points=points,
                not_applicable=not_applicable,
                is_survey=leaf.is_survey,
            )
        )
    return areas, leaves
