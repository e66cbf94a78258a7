"""An independent computation of every published figure, and readers of the surfaces that show them.

``expected_round`` recomputes a round's figures from the raw inputs only — the framework tree and
its settings (bands, tie policy, caps, "may exceed 100"), the units' self scores, the appraisal
entries (round 1 and 2), the survey scores, the bonus and penalty adjustments — read directly
with the ORM. It never imports the product's scoring code (``results.scoring``,
``frameworks.scoring``, ``results.compute``, ``results.actions``, ``appraisals.selectors``): the
arithmetic is exact rational arithmetic (``fractions.Fraction``), so there is no Decimal context,
no quantizing and no intermediate rounding anywhere. Displayed figures are then rounded *once*
from the exact value, half-up (away from zero) as ``core.text.format_decimal`` documents, to 2
places with a decimal comma on pages and documents; .xlsx cells are compared by the value their
number format shows; the API's 4-place decimals by rounding the exact value once to 4 places.

The rules are DESIGN.md §3 and issue 17:

* final points: survey leaf → its survey points; else the last appraisal that exists (round 2,
  else round 1); "not applicable": the last appraisal's, else the unit's own;
* index % = 100 × (Σ final of applicable leaves + bonus − penalty) / Σ max of applicable leaves,
  bonus and penalty each capped, floored at 0, capped at 100 unless the framework allows more;
  nothing applicable or the appraisal unfinished → no result (no rank, not counted in N);
* class: bands from the highest threshold, "≥ x" includes x, "> x" does not, at the same
  threshold the exclusive band first;
* rank: competition = 1 + #units strictly better, dense = 1 + #distinct better values, from the
  exact index;
* lost points of a self-scored leaf: tự trừ = max − self (unscored = 0), bị trừ = self − final;
  a survey leaf: its loss max − final in the survey column only, no self score ("—");
* Phụ lục I: applicable leaves of a non-excluded source at their maximum; Phụ lục II: below it;
  survey leaves (the framework's ``excluded_sources_for_remediation``) and N/A leaves in neither;
* year over year: the latest earlier published result of the unit; index change in points,
  the class change, last year's rank "x/N"; "tăng/giảm n bậc" only when both years rank the
  same peer group of the same size (the same unit type, and class or parent where the grouping
  uses them; the framework may differ).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser

HUNDRED = Fraction(100)
ZERO = Fraction(0)


# --- exact numbers and their one rounding -------------------------------------------------------


def fr(value) -> Fraction | None:
    """A stored Decimal (or int/str) as an exact fraction."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(Decimal(value))


def half_up(value: Fraction, places: int = 2) -> Fraction:
    """Round once, half away from zero (Decimal's ROUND_HALF_UP), to ``places`` decimals."""
    scale = 10**places
    scaled = abs(value) * scale
    whole = int(scaled)  # floor for positive values
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, scale)


def text(value: Fraction | None, places: int = 2, sep: str = ",") -> str:
    """The displayed text of an exact value: rounded once, trailing zeros dropped, decimal comma;
    None → "—" (the pages' placeholder)."""
    if value is None:
        return "—"
    rounded = half_up(value, places)
    sign = "-" if rounded < 0 else ""
    rounded = abs(rounded)
    whole = int(rounded)
    frac = rounded - whole
    digits = str(int(frac * 10**places)).rjust(places, "0").rstrip("0")
    out = f"{sign}{whole}" + (f"{sep}{digits}" if digits else "")
    return "0" if out == "-0" else out


def places_of(text_value: str) -> int:
    return len(text_value.split(".", 1)[1]) if "." in text_value else 0


# --- the rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandRule:
    label: str
    bound: Fraction | None
    inclusive: bool


def bands_of(framework) -> list[BandRule]:
    rules = [BandRule(b.label, fr(b.lower_bound), b.inclusive) for b in framework.bands.all()]
    # highest threshold first; at the same threshold the exclusive (stricter) band first
    return sorted(
        rules,
        key=lambda b: (b.bound if b.bound is not None else Fraction(-(10**9)), not b.inclusive),
        reverse=True,
    )


def classify(index: Fraction | None, bands: list[BandRule]) -> str:
    if index is None:
        return ""
    for band in bands:
        if band.bound is None or index > band.bound or (band.inclusive and index == band.bound):
            return band.label
    return ""


def competition_and_dense(values: dict) -> dict:
    """key → (competition rank, dense rank); keys whose value is None are left out."""
    scored = {k: v for k, v in values.items() if v is not None}
    out = {}
    for key, value in scored.items():
        better = [v for v in scored.values() if v > value]
        out[key] = (1 + len(better), 1 + len(set(better)))
    return out


# --- the figures of one round ---------------------------------------------------------------------


@dataclass
class LeafFig:
    criterion_id: int
    code: str
    title: str
    area_code: str
    order: int
    maximum: Fraction
    survey: bool
    source: str
    self_points: Fraction | None
    na: bool
    final: Fraction | None
    final_reason: str = ""  # the reason written on the appraisal entry that gives the final points
    final_lowered: bool = False  # that entry is below the self score (a deduction by the appraisal)
    note: str = ""  # the unit's own note on its self score

    @property
    def lost_total(self) -> Fraction | None:
        if self.na or self.final is None:
            return None
        return self.maximum - self.final

    @property
    def by_self(self) -> Fraction | None:
        """tự trừ: max − self (an unscored self-scored leaf counts self = 0); None for survey/N-A."""
        if self.na or self.survey:
            return None
        return self.maximum - (self.self_points or ZERO)

    @property
    def by_appraisal(self) -> Fraction | None:
        """bị trừ: self − final; None for survey/N-A leaves."""
        if self.na or self.survey or self.final is None:
            return None
        return (self.self_points or ZERO) - self.final

    @property
    def by_survey(self) -> Fraction | None:
        if self.na or not self.survey or self.final is None:
            return None
        return self.maximum - self.final


def peer_scope(peer_key: str) -> str:
    """Who a unit is ranked among, without the framework: a stored peer key is
    "<framework id>:<unit type>[:g<class>|:p<parent id>]"; a new criteria decision (framework) does
    not change the group, the unit type, class or parent does."""
    return peer_key.split(":", 1)[1] if ":" in peer_key else peer_key


@dataclass
class Previous:
    year: int
    total: Fraction
    index: Fraction | None
    label: str
    rank: int | None
    rank_of: int
    peer_key: str


@dataclass
class UnitFig:
    unit_id: int
    code: str
    name: str
    kind: str
    group: tuple
    has_result: bool
    leaves: list[LeafFig] = field(default_factory=list)
    points: Fraction = ZERO
    maximum: Fraction = ZERO
    bonus: Fraction = ZERO
    penalty: Fraction = ZERO
    index: Fraction | None = None
    label: str = ""
    ranks: dict = field(default_factory=dict)  # policy → rank (None without a result)
    rank_of: int = 0
    previous: Previous | None = None
    areas: dict = field(default_factory=dict)  # area code → (points, max) over applicable leaves
    self_total: Fraction = ZERO

    @property
    def total(self) -> Fraction:
        return self.points + self.bonus - self.penalty

    def rank(self, policy: str) -> int | None:
        return self.ranks.get(policy)

    @property
    def index_change(self) -> Fraction | None:
        if self.previous is None or self.previous.index is None or self.index is None:
            return None
        return self.index - self.previous.index

    def comparable_rank(self, policy: str, peer_key: str) -> bool:
        """Both years rank the same peer group of the same size: only then "tăng/giảm n bậc"."""
        p = self.previous
        return (
            p is not None
            and p.rank is not None
            and self.rank(policy) is not None
            and p.rank_of == self.rank_of
            and peer_scope(p.peer_key) == peer_scope(peer_key)
        )

    def appendix(self, excluded: set[str]) -> dict[str, str]:
        """leaf code → "I" / "II" (leaves in neither appendix are left out)."""
        out = {}
        for leaf in self.leaves:
            source = "survey" if leaf.survey else leaf.source
            if source in excluded or leaf.na:
                continue
            out[leaf.code] = "I" if (leaf.final or ZERO) >= leaf.maximum else "II"
        return out


@dataclass
class RoundFig:
    year: int
    policy: str
    allow_over_max: bool
    units: dict[str, UnitFig]  # by unit code
    area_codes: list[str]
    excluded_sources: set[str]

    def groups(self) -> dict[tuple, list[UnitFig]]:
        out = defaultdict(list)
        for u in self.units.values():
            out[u.group].append(u)
        return dict(out)


def _group_key(grouping: str, framework_id: int, unit) -> tuple:
    if grouping == "kind_grade":
        return (framework_id, unit.kind, unit.grade or "")
    if grouping == "kind_parent":
        return (framework_id, unit.kind, unit.parent_id)
    return (framework_id, unit.kind)


def expected_round(rnd, *, grouping: str = "kind") -> RoundFig:
    """Every figure of a round, from the raw rows (see the module docstring)."""
    from parindex.appraisals.models import Adjustment, AppraisalEntry, AppraisalSheet, SurveyScore
    from parindex.assessments.models import Score
    from parindex.frameworks.models import Criterion

    framework = rnd.framework
    bands = bands_of(framework)
    policy = framework.tie_policy
    leaves = list(
        Criterion.objects.filter(framework=framework, is_leaf=True)
        .select_related("area")
        .order_by("sort_key")
    )
    area_codes = list(
        Criterion.objects.filter(framework=framework, depth=1)
        .order_by("sort_key")
        .values_list("code", flat=True)
    )
    sheets = list(rnd.assessments.select_related("unit"))
    appraised = set(
        AppraisalSheet.objects.filter(assessment__round=rnd, status="appraised").values_list(
            "assessment_id", flat=True
        )
    )
    scores = {(s.assessment_id, s.criterion_id): s for s in Score.objects.filter(assessment__round=rnd)}
    entries = defaultdict(dict)
    for e in AppraisalEntry.objects.filter(sheet__assessment__round=rnd).select_related("sheet"):
        entries[(e.sheet.assessment_id, e.criterion_id)][e.round_number] = e
    survey = {(s.unit_id, s.criterion_id): fr(s.points) for s in SurveyScore.objects.filter(round=rnd)}
    adjustments = defaultdict(lambda: {"bonus": ZERO, "penalty": ZERO})
    for a in Adjustment.objects.filter(sheet__assessment__round=rnd).select_related("sheet"):
        adjustments[a.sheet.assessment_id][a.kind] += fr(a.points)
    bonus_cap, penalty_cap = fr(framework.bonus_cap), fr(framework.penalty_cap)

    units: dict[str, UnitFig] = {}
    for sheet in sheets:
        unit = sheet.unit
        fig = UnitFig(
            unit_id=unit.pk,
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            group=_group_key(grouping, framework.pk, unit),
            has_result=sheet.pk in appraised,
        )
        units[unit.code] = fig
        if not fig.has_result:
            continue
        area_sums = {code: [ZERO, ZERO] for code in area_codes}
        for order, c in enumerate(leaves):
            score = scores.get((sheet.pk, c.pk))
            is_survey = c.source == "survey"
            self_points = None if is_survey or score is None else fr(score.self_points)
            by_round = entries.get((sheet.pk, c.pk), {})
            last = by_round.get(2) or by_round.get(1)
            if is_survey:
                final, na = survey.get((unit.pk, c.pk)), False
                self_points = None
            else:
                final = None if last is None or last.not_applicable else fr(last.points)
                na = last.not_applicable if last is not None else bool(score and score.not_applicable)
            leaf = LeafFig(
                criterion_id=c.pk,
                code=c.code,
                title=c.title,
                area_code=c.area.code if c.area_id else "",
                order=order,
                maximum=fr(c.max_points),
                survey=is_survey,
                source=c.source,
                self_points=self_points,
                na=na,
                final=final,
                final_reason=(last.reason if last is not None and not is_survey else ""),
                final_lowered=bool(
                    last is not None and not is_survey and final is not None and final < (self_points or ZERO)
                ),
                note=(score.note if score is not None else ""),
            )
            fig.leaves.append(leaf)
            if na:
                continue
            fig.maximum += leaf.maximum
            fig.points += final or ZERO
            fig.self_total += self_points or ZERO
            if leaf.area_code in area_sums:
                area_sums[leaf.area_code][0] += final or ZERO
                area_sums[leaf.area_code][1] += leaf.maximum
        fig.areas = {code: tuple(v) for code, v in area_sums.items()}
        adj = adjustments[sheet.pk]
        fig.bonus = min(adj["bonus"], bonus_cap) if bonus_cap is not None else adj["bonus"]
        fig.penalty = min(adj["penalty"], penalty_cap) if penalty_cap is not None else adj["penalty"]
        if fig.maximum > 0:
            index = HUNDRED * fig.total / fig.maximum
            index = max(index, ZERO)
            if not framework.allow_over_max:
                index = min(index, HUNDRED)
            fig.index = index
        else:
            fig.has_result = False
        fig.label = classify(fig.index, bands)
    for members in _groups(units).values():
        ranked = competition_and_dense({u.code: u.index for u in members})
        n = len(ranked)
        for u in members:
            u.rank_of = n
            if u.code in ranked:
                u.ranks = {"competition": ranked[u.code][0], "dense": ranked[u.code][1]}
    _attach_previous(units, rnd.year)
    return RoundFig(
        year=rnd.year,
        policy=policy,
        allow_over_max=framework.allow_over_max,
        units=units,
        area_codes=area_codes,
        excluded_sources=set(framework.excluded_sources_for_remediation or []),
    )


def _groups(units: dict[str, UnitFig]) -> dict[tuple, list[UnitFig]]:
    out = defaultdict(list)
    for u in units.values():
        out[u.group].append(u)
    return out


def _previous_row(unit_id: int, year: int):
    from parindex.results.models import UnitResult

    return (
        UnitResult.objects.filter(unit_id=unit_id, year__lt=year, publication__status="published")
        .order_by("-year", "-publication_id")
        .first()
    )


def _attach_previous(units: dict[str, UnitFig], year: int) -> None:
    """The unit's latest earlier published result; a successor of exactly one unit with a result
    of that year takes that one (merged communes)."""
    from parindex.units.models import UnitChange

    for fig in units.values():
        row = _previous_row(fig.unit_id, year)
        if row is None:
            candidates = []
            for change in UnitChange.objects.filter(successors__pk=fig.unit_id):
                for pred in change.predecessors.all():
                    prev = _previous_row(pred.pk, year)
                    if prev is not None:
                        candidates.append(prev)
            if candidates:
                latest = max(c.year for c in candidates)
                holders = [c for c in candidates if c.year == latest]
                row = holders[0] if len(holders) == 1 else None
        if row is None:
            continue
        exact = fr(row.index_percent)
        if exact is not None and row.max_points:
            ratio = HUNDRED * fr(row.total) / fr(row.max_points)
            for candidate in (ratio, min(max(ratio, ZERO), HUNDRED)):
                if half_up(candidate, 4) == exact:  # the stored 4-place index of this exact ratio
                    exact = candidate
                    break
        fig.previous = Previous(
            year=row.year,
            total=fr(row.total),
            index=exact,
            label=row.class_label,
            rank=row.rank,
            rank_of=row.rank_of,
            peer_key=row.peer_key,
        )


# --- lost points over a set of units ---------------------------------------------------------------


@dataclass
class LostSum:
    code: str
    maximum: Fraction
    units: int = 0
    units_losing: int = 0
    self_points: Fraction | None = None  # None while only survey leaves (no self score) were summed
    final: Fraction = ZERO
    by_appraisal: Fraction | None = None
    by_self: Fraction | None = None
    by_survey: Fraction | None = None
    total: Fraction = ZERO


def _add(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    if b is None:
        return a
    return (a or ZERO) + b


def lost_sums(units: list[UnitFig]) -> dict[str, LostSum]:
    """Per leaf code over ``units`` (applicable leaves only), in framework order."""
    out: dict[str, LostSum] = {}
    for u in units:
        if not u.has_result:
            continue
        for leaf in u.leaves:
            if leaf.na:
                continue
            row = out.setdefault(leaf.code, LostSum(leaf.code, leaf.maximum))
            row.units += 1
            if not leaf.survey:
                row.self_points = _add(row.self_points, leaf.self_points or ZERO)
            row.final += leaf.final or ZERO
            row.by_appraisal = _add(row.by_appraisal, leaf.by_appraisal)
            row.by_self = _add(row.by_self, leaf.by_self)
            row.by_survey = _add(row.by_survey, leaf.by_survey)
            row.total += leaf.lost_total or ZERO
            if leaf.lost_total:
                row.units_losing += 1
    return out


# --- readers of the surfaces ----------------------------------------------------------------------


class _Tables(HTMLParser):
    """Collects every <table> (its data-testid, header texts, rows with their attributes and cell
    texts) and the text of every element with a data-testid."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.stack: list[dict] = []
        self.row = None
        self.cell = None
        self.testid_text: dict[str, list[str]] = defaultdict(list)
        self.open_testids: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.stack.append({"testid": attrs.get("data-testid", ""), "head": [], "rows": []})
        elif tag == "tr" and self.stack:
            self.row = {"attrs": attrs, "cells": [], "header": False}
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            if tag == "th":
                self.row["header"] = True
        if "data-testid" in attrs and tag not in ("table",):
            self.open_testids.append([tag, attrs["data-testid"], [], 0])
        for entry in self.open_testids:
            if entry[0] == tag:
                entry[3] += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row["cells"].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.stack:
            table = self.stack[-1]
            if self.row["header"] and not table["rows"] and not table["head"]:
                table["head"] = self.row["cells"]
            else:
                table["rows"].append(self.row)
            self.row = None
        elif tag == "table" and self.stack:
            self.tables.append(self.stack.pop())
        for entry in list(self.open_testids):
            if entry[0] == tag:
                entry[3] -= 1
                if entry[3] == 0:
                    self.testid_text[entry[1]].append(" ".join("".join(entry[2]).split()))
                    self.open_testids.remove(entry)

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        for entry in self.open_testids:
            entry[2].append(data)


@dataclass
class Page:
    tables: list[dict]
    texts: dict[str, list[str]]

    def table(self, testid: str) -> dict | None:
        return next((t for t in self.tables if t["testid"] == testid), None)


def parse_page(html: str) -> Page:
    parser = _Tables()
    parser.feed(html)
    return Page(parser.tables, dict(parser.testid_text))


def column(head: list[str], *names: str) -> int | None:
    """Index of the first header equal to one of ``names`` (then: starting with it)."""
    for name in names:
        if name in head:
            return head.index(name)
    for name in names:
        for i, h in enumerate(head):
            if h.startswith(name):
                return i
    return None


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    return {
        ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
        for ws in wb.worksheets
    }


def header_row(rows: list[list], *cells: str) -> int:
    """Index of the header row: the first row holding every one of ``cells``."""
    for i, row in enumerate(rows):
        values = [c[0] for c in row]
        if all(cell in values for cell in cells):
            return i
    raise AssertionError(f"no header row with {cells!r}")


def xlsx_shown(value, number_format: str) -> Fraction | None:
    """The number a cell shows: its value rounded (half-up) to the places of its number format."""
    if value is None or value == "":
        return None
    exact = fr(value)
    decimals = 0
    match = re.search(r"\.(0*)(#*)", number_format or "")
    if match:
        decimals = len(match.group(1)) + len(match.group(2))
    return half_up(exact, decimals)


def xlsx_places(number_format: str) -> int:
    match = re.search(r"\.(0*)(#*)", number_format or "")
    return len(match.group(1)) + len(match.group(2)) if match else 0


def docx_text(content: bytes) -> tuple[str, list[list[list[str]]]]:
    """(paragraph text, tables as rows of cell texts) of a .docx."""
    from docx import Document

    doc = Document(io.BytesIO(content))
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[" ".join(c.text.split()) for c in row.cells] for row in t.rows] for t in doc.tables]
    return paragraphs, tables


def json_script(html: str, element_id: str):
    """The data of a ``{{ …|json_script:"id" }}`` element (the charts' data)."""
    match = re.search(
        rf'<script id="{re.escape(element_id)}" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1)) if match else None


def chart_label(value: float | None) -> str:
    """The label the charts print for a number (``results/static/results/charts.js``, ``num``):
    ``String(Math.round(value * 100) / 100)`` with a decimal comma, in the same IEEE doubles."""
    if value is None:
        return ""
    rounded = math.floor(value * 100 + 0.5) / 100  # Math.round(x) is floor(x + 0.5)
    out = repr(rounded)
    if out.endswith(".0"):
        out = out[:-2]
    return out.replace(".", ",")
