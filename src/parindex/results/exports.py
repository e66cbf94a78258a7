"""The .xlsx downloads of results: the ranking table and the "biểu thống kê" of lost points."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parindex.core.spreadsheets import OutColumn, write_table

# Tables of more units than this are offered as a background job on the pages ("prepare the file"),
# smaller ones as a direct download. The direct links keep working for any size.
EXPORT_DIRECT_MAX_ROWS = 500


def stats_title(rows) -> str:
    """Title of a peer group's lost-points statistics (page and .xlsx)."""
    return _("Statistics of criteria with points deducted — %(group)s %(year)s") % {
        "group": rows[0].peer_label,
        "year": rows[0].year,
    }


def figure_headers(published_points: str) -> tuple[str, str]:
    """Headers of the total-points and index columns; the one the table publishes as "điểm" says so."""
    if published_points == "index":
        return _("Total points"), _("Index (%) (published as points)")
    return _("Total points (published as points)"), _("Index (%)")


def ranking_columns(published_points: str = "total"):
    total_header, index_header = figure_headers(published_points)
    return [
        OutColumn(_("Rank"), 8, "int", lambda r: r.rank),
        OutColumn(_("Of"), 8, "int", lambda r: r.rank_of),
        OutColumn(_("Unit code"), 12, "str", lambda r: r.unit_code),
        OutColumn(_("Unit"), 36, "str", lambda r: r.unit_name),
        OutColumn(total_header, 12, "decimal", lambda r: r.total if r.index_percent is not None else None),
        # The exact index (16 places): the cell shows 2 decimals, rounded once from the exact value.
        OutColumn(index_header, 12, "percent", lambda r: r.index_percent),
        OutColumn(_("Class"), 14, "str", lambda r: r.class_label),
        OutColumn(_("Change in rank"), 12, "int", lambda r: r.rank_change),
    ]


def ranking_xlsx(rows, *, title: str = "", published_points: str | None = None) -> bytes:
    """The ranking table; ``published_points`` (the publication's setting) marks the column published as
    "điểm" — read from the first row when not given (``rows`` must then be a list)."""
    if published_points is None:
        published_points = rows[0].publication.published_points if rows else "total"
    return write_table(ranking_columns(published_points), rows, title=title, sheet_title=_("Ranking"))


def lost_points_xlsx(rows, *, title: str) -> bytes:
    """Biểu thống kê các tiêu chí, tiêu chí thành phần bị trừ điểm, tự trừ điểm."""
    return write_table(
        _lost_columns(), list(enumerate(rows, start=1)), title=title, sheet_title=_("Lost points")
    )


def _lost_columns():
    return [
        OutColumn(_("No."), 6, "int", lambda r: r[0]),
        OutColumn(_("Code"), 10, "str", lambda r: r[1].code),
        OutColumn(_("Criterion"), 50, "str", lambda r: r[1].title),
        OutColumn(_("Maximum points"), 10, "decimal", lambda r: r[1].max_points),
        OutColumn(_("Units"), 8, "int", lambda r: r[1].units),
        OutColumn(_("Self-assessed points"), 12, "decimal", lambda r: r[1].self_points),
        OutColumn(_("Final points"), 12, "decimal", lambda r: r[1].final_points),
        OutColumn(_("Deducted by appraisal"), 12, "decimal", lambda r: r[1].by_appraisal),
        OutColumn(_("Deducted by the unit itself"), 12, "decimal", lambda r: r[1].by_self),
        OutColumn(
            _("Lost on criteria not self-scored (surveys)"), 14, "decimal", lambda r: r[1].not_self_scored
        ),
        OutColumn(_("Total points lost"), 12, "decimal", lambda r: r[1].total_lost),
        OutColumn(_("Units losing points"), 10, "int", lambda r: r[1].units_losing),
    ]


def group_lost_points_xlsx(lost_rows, matrix, units, *, title: str) -> bytes:
    """The peer group's biểu thống kê: totals per criterion, then criteria × units (points lost per unit)."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    columns = _lost_columns()
    write_table(
        columns,
        list(enumerate(lost_rows, start=1)),
        title=title,
        sheet_title=_("Lost points"),
        workbook=workbook,
    )

    def lost_for(i):
        return lambda row: row[2][i]

    matrix_columns = [
        OutColumn(_("Code"), 10, "str", lambda row: row[0]),
        OutColumn(_("Criterion"), 40, "str", lambda row: row[1]),
    ] + [OutColumn(name, 12, "decimal", lost_for(i)) for i, name in enumerate(units)]
    write_table(matrix_columns, matrix, title=title, sheet_title=_("By unit"), workbook=workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def heatmap_xlsx(heat, *, title: str) -> bytes:
    def cell(i):
        return lambda r: r[1][i]

    columns = [OutColumn(_("Unit"), 36, "str", lambda r: r[0].unit_name)] + [
        OutColumn(a["code"], 10, "percent", cell(i)) for i, a in enumerate(heat["areas"])
    ]
    return write_table(columns, heat["rows"], title=title, sheet_title=_("Areas"))
