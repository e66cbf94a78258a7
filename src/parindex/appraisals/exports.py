"""The .xlsx download of an appraisal sheet (self, round 1, round 2, final, reasons, explanations)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parindex.core.spreadsheets import OutColumn, write_table


def sheet_xlsx(rows, *, title: str) -> bytes:
    columns = [
        OutColumn(_("Code"), 10, "str", lambda r: r.criterion.code),
        OutColumn(_("Criterion"), 50, "str", lambda r: r.criterion.title),
        OutColumn(_("Maximum points"), 10, "decimal", lambda r: r.criterion.max_points),
        OutColumn(_("Self-assessed points"), 12, "decimal", lambda r: None if r.self_na else r.self_points),
        OutColumn(_("Round 1"), 10, "decimal", lambda r: r.round1.points if r.round1 else None),
        OutColumn(_("Reason"), 30, "str", lambda r: r.round1.reason if r.round1 else ""),
        OutColumn(_("Comment to the unit"), 30, "str", lambda r: r.round1.comment if r.round1 else ""),
        OutColumn(_("Explanation"), 30, "str",
                  lambda r: r.round1.explanation.text if r.round1 and hasattr(r.round1, "explanation") else ""),
        OutColumn(_("Round 2"), 10, "decimal", lambda r: r.round2.points if r.round2 else None),
        OutColumn(_("Final points"), 10, "decimal", lambda r: r.final_points),
        OutColumn(_("Not applicable"), 10, "str", lambda r: _("yes") if r.not_applicable else ""),
    ]
    return write_table(columns, rows, title=title, sheet_title=_("Appraisal"))
