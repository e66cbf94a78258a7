"""Plan tasks to and from .xlsx.

Import (``import_tasks``): one row per task; the header names are the Vietnamese ones of the
export (so an exported plan can be edited and imported into next year's plan) or English.
Every row is checked first — area, linked criterion codes, dates, lead unit — and every
problem is reported at once with its row number; nothing is written unless the whole file
is right, and then everything is written in one transaction.

* Area ("Lĩnh vực"): the code ("1") or the title of an area of the plan's framework;
  any other text becomes a free-text area (tasks outside the index).
* Linked criteria ("Tiêu chí"): leaf codes separated by commas or semicolons; an unknown or
  non-leaf code is an error.
* Lead ("Chủ trì"): a unit name under the plan's unit (diacritics optional) becomes the lead
  unit; anything else is kept as written.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.core.spreadsheets import Column, OutColumn, RowError, SpreadsheetError, read_table, write_table
from parindex.core.text import search_key
from parindex.plans import actions, selectors
from parindex.plans.models import Plan, PlanTask
from parindex.units.models import Unit

COLUMNS = [
    Column("order", ("STT", "No."), kind="int"),
    Column("area", ("Lĩnh vực", "Area")),
    Column("content", ("Nội dung nhiệm vụ", "Task", "Nhiệm vụ", "Nội dung"), required=True),
    Column("expected_output", ("Sản phẩm", "Expected output", "Sản phẩm đầu ra", "Kết quả dự kiến")),
    Column("lead", ("Chủ trì", "Lead", "Cơ quan chủ trì", "Đơn vị chủ trì")),
    Column("coordinators", ("Phối hợp", "Coordinating", "Cơ quan phối hợp", "Đơn vị phối hợp")),
    Column("start_date", ("Ngày bắt đầu", "Start date", "Bắt đầu"), kind="date"),
    Column("due_date", ("Hạn hoàn thành", "Due date", "Thời gian hoàn thành", "Thời hạn"), kind="date"),
    Column("criteria", ("Tiêu chí", "Criteria", "Tiêu chí liên quan")),
]
_SPLIT = re.compile(r"[,;\n]+")


def import_tasks(plan: Plan, *, source, by) -> list[PlanTask]:
    """Read the file, check every row, then add all tasks in one transaction (or raise SpreadsheetError)."""
    if not selectors.can_edit_plan(by, plan.unit):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You may not change this plan."))
    if plan.status == Plan.Status.CLOSED:
        raise SpreadsheetError([RowError(None, _("This plan is closed; it can no longer be changed."))])
    table = read_table(source, COLUMNS)
    areas, leaves, nonleaf = {}, {}, set()
    if plan.framework_id:
        for criterion in plan.framework.criteria.all():
            if criterion.depth == 1:
                areas[search_key(criterion.code)] = criterion
                areas[search_key(criterion.title)] = criterion
                areas[search_key(f"{criterion.code}. {criterion.title}")] = criterion
            if criterion.is_leaf:
                leaves[criterion.code.strip()] = criterion
            else:
                nonleaf.add(criterion.code.strip())
    units = {search_key(u.name): u for u in Unit.objects.filter(path__startswith=plan.unit.path)}
    units.update(
        {
            search_key(u.short_name): u
            for u in Unit.objects.filter(path__startswith=plan.unit.path)
            if u.short_name
        }
    )

    errors: list[RowError] = []
    prepared: list[dict] = []
    for number, row in table:
        fields: dict = {"content": row["content"], "expected_output": row["expected_output"] or ""}
        if row["order"] is not None:
            if row["order"] < 1:
                errors.append(RowError(number, _("The number must be 1 or more."), "STT"))
            fields["order"] = row["order"]
        area_text = row["area"] or ""
        area = areas.get(search_key(area_text)) if area_text else None
        if area is not None:
            fields["area"] = area
        else:
            fields["area_text"] = area_text[:200]
        lead = row["lead"] or ""
        lead_unit = units.get(search_key(lead)) if lead else None
        if lead_unit is not None:
            fields["lead_unit"] = lead_unit
        else:
            fields["lead_text"] = lead[:200]
        fields["coordinators_text"] = (row["coordinators"] or "")[:300]
        fields["start_date"], fields["due_date"] = row["start_date"], row["due_date"]
        if row["start_date"] and row["due_date"] and row["due_date"] < row["start_date"]:
            errors.append(
                RowError(number, _("The due date must not be before the start date."), "Hạn hoàn thành")
            )
        criteria = []
        for code in _SPLIT.split(row["criteria"] or ""):
            code = code.strip().rstrip(".")
            if not code:
                continue
            if code in leaves:
                criteria.append(leaves[code])
            elif code in nonleaf:
                errors.append(
                    RowError(
                        number,
                        _("“%(code)s” is not a scored criterion; give the codes of its sub-criteria.")
                        % {"code": code},
                        "Tiêu chí",
                    )
                )
            elif not plan.framework_id:
                errors.append(
                    RowError(
                        number,
                        _("The plan has no criteria framework, so criteria cannot be linked."),
                        "Tiêu chí",
                    )
                )
            else:
                errors.append(
                    RowError(
                        number,
                        _("The criterion “%(code)s” is not in the framework.") % {"code": code},
                        "Tiêu chí",
                    )
                )
        prepared.append({"fields": fields, "criteria": criteria})
    if errors:
        raise SpreadsheetError(errors)
    created = []
    with transaction.atomic():
        for item in prepared:
            created.append(
                actions.add_task(
                    plan, by=by, criteria=item["criteria"], refresh_sheets=False, **item["fields"]
                )
            )
        actions.refresh_score_sheets(plan, by=by)
    return created


def template_xlsx() -> bytes:
    """An empty import sheet with the expected headers."""
    return write_table([OutColumn(c.headers[0], width=18) for c in COLUMNS], [], sheet_title="Nhiem vu")


# --- export ------------------------------------------------------------------------------------


def export_plan(plan: Plan, tasks, groups, totals, today, *, user) -> bytes:
    from openpyxl import Workbook

    child_counts = selectors.child_task_counts(tasks, today, user=user, plan=plan)
    workbook = Workbook()
    workbook.remove(workbook.active)
    columns = [
        OutColumn("STT", 6, "int", lambda t: t.order),
        OutColumn("Lĩnh vực", 22, value=lambda t: t.area_label),
        OutColumn("Nội dung nhiệm vụ", 45, value=lambda t: t.content),
        OutColumn("Sản phẩm", 25, value=lambda t: t.expected_output),
        OutColumn("Chủ trì", 22, value=lambda t: t.lead_label),
        OutColumn(
            "Phối hợp",
            22,
            value=lambda t: ", ".join(
                [u.name for u in t.coordinating_units.all()]
                + ([t.coordinators_text] if t.coordinators_text else [])
            ),
        ),
        OutColumn("Ngày bắt đầu", 12, "date", lambda t: t.start_date),
        OutColumn("Hạn hoàn thành", 12, "date", lambda t: t.due_date),
        OutColumn("Tiêu chí", 14, value=lambda t: ", ".join(c.code for c in t.criteria.all())),
        OutColumn(str(gettext_lazy("Progress")), 16, value=lambda t: t.get_progress_display(today)),
        OutColumn(str(gettext_lazy("completion date")), 12, "date", lambda t: t.completion_date),
        OutColumn(str(gettext_lazy("result")), 25, value=lambda t: t.result_note or t.cancel_reason),
        OutColumn(
            str(gettext_lazy("evidence")),
            30,
            value=lambda t: "; ".join(e.display_name for e in t.evidence.all()),
        ),
        OutColumn(
            str(gettext_lazy("Assigned units done")),
            14,
            value=lambda t: (
                f"{child_counts[t.pk].done}/{child_counts[t.pk].denominator}" if t.pk in child_counts else ""
            ),
        ),
    ]
    title = f"{plan.display_title}" + (f" ({plan.number})" if plan.number else "")
    # No title line on the task sheet: its header is row 1, so it can be imported as it is
    # (next year's plan starts from this year's tasks).
    write_table(columns, list(tasks), sheet_title=_("Tasks"), workbook=workbook)
    write_table(
        progress_columns(),
        [(g.label, g.counts) for g in groups] + [(_("Grand total"), totals)],
        title=title,
        sheet_title=_("Completion"),
        workbook=workbook,
    )
    import io

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def progress_columns(label: str | None = None) -> list[OutColumn]:
    return [
        OutColumn(label or str(gettext_lazy("area")), 40, value=lambda r: r[0]),
        OutColumn(str(gettext_lazy("Planned")), 10, "int", lambda r: r[1].planned),
        OutColumn(str(gettext_lazy("Cancelled")), 10, "int", lambda r: r[1].cancelled),
        OutColumn(str(gettext_lazy("Done")), 10, "int", lambda r: r[1].done),
        OutColumn(str(gettext_lazy("Done late")), 10, "int", lambda r: r[1].done_late),
        OutColumn(str(gettext_lazy("Overdue")), 10, "int", lambda r: r[1].overdue),
        OutColumn(str(gettext_lazy("Completion rate (%)")), 14, "percent", lambda r: r[1].rate),
        OutColumn(str(gettext_lazy("On-time rate (%)")), 14, "percent", lambda r: r[1].on_time_rate),
    ]


def export_rollup(rows, totals, year: int) -> bytes:
    return write_table(
        progress_columns(str(gettext_lazy("unit"))),
        [(r.unit.name, r.counts) for r in rows] + [(_("Grand total"), totals)],
        title=_("Completion of reform plans %(year)s") % {"year": year},
        sheet_title=_("Completion"),
    )
