"""Deterministic national-scale load data: units, users, frameworks, rounds, sheets in every state,
appraisals, published results, remediation items and evidence with small files.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same arguments on an
empty database give the same data (same names, points, ranks and file contents; database ids and
"now"-relative timestamps aside).

What bypasses the workflow actions, and why (docs/performance.md repeats this):

- Units, users, memberships, frameworks, criteria, rounds, sheets, scores, evidence, evidence links,
  appraisal sheets and entries, explanations, adjustments, survey scores, remediation plans and
  items are bulk-inserted (``bulk_create`` with ``batch_size``), without audit rows. The actions
  (``open_round``, ``save_score``, ``upload_evidence``, ``appraise``...) do one transaction, several
  queries and one audit row per leaf: millions of leaves would take hours. The generator writes the
  same rows those actions would leave behind (copied maxima, versions, implicit round-1 entries for
  untouched leaves, generated evidence names and storage keys ``evidence/<unit>/<year>/<uuid>``).
- Every user gets the same precomputed password hash (hashing 12,000 passwords would take minutes).
- Results are NOT bulk-created: every published year goes through the results app's real actions
  ``compute_results`` → ``approve_results`` → ``publish_results`` (with their audit rows), so the
  stored rankings are exactly what publication stores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from parindex.core.text import safe_file_stem, search_key

PASSWORD = "mat-khau-thu-nghiem"  # noqa: S105 — every generated user; same as the test personas
MINISTRY_CODE = "LG-BNV"
Q4 = Decimal("0.0001")
QUARTER = Decimal("0.25")
BATCH = 2000
FAST_CHUNK = 5000


def fast_insert(model, objs) -> int:
    """INSERT rows of ``model`` with one prepared statement and ``executemany``; no ids come back.

    Several times faster than ``bulk_create`` for the big tables (scores, appraisal entries),
    whose cost is Django compiling SQL for every batch, not the database. Values go through each
    field's own ``get_db_prep_save``, so what is stored is what ``bulk_create`` would store.
    """
    from django.db import connections, router

    if not objs:
        return 0
    conn = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 — names from model meta, values bound
        conn.ops.quote_name(model._meta.db_table),
        ", ".join(conn.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    foreign = [f for f in fields if f.many_to_one]
    for o in objs:  # parents saved after the child was built (as bulk_create does)
        for f in foreign:
            if getattr(o, f.attname) is None and f.is_cached(o) and f.get_cached_value(o) is not None:
                setattr(o, f.attname, f.get_cached_value(o).pk)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:  # one commit, not one per row
        for start in range(0, len(objs), FAST_CHUNK):
            rows = [
                tuple(f.get_db_prep_save(f.pre_save(o, True), conn) for f in fields)
                for o in objs[start : start + FAST_CHUNK]
            ]
            cursor.executemany(sql, rows)
    return len(objs)


AREAS = [
    "Công tác chỉ đạo, điều hành cải cách hành chính",
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
    "Tác động của cải cách hành chính đến người dân, tổ chức",
]
LEAF_MAX = [
    Decimal(1),
    Decimal("0.5"),
    Decimal("1.5"),
    Decimal(1),
    Decimal(1),
    Decimal("0.5"),
    Decimal("1.5"),
]
SYLLABLES = [
    "An",
    "Bình",
    "Châu",
    "Đông",
    "Giang",
    "Hà",
    "Hòa",
    "Hưng",
    "Khánh",
    "Lâm",
    "Long",
    "Minh",
    "Nam",
    "Ninh",
    "Phú",
    "Phước",
    "Quang",
    "Sơn",
    "Tân",
    "Thạch",
    "Thanh",
    "Thuận",
    "Tiến",
    "Trung",
    "Vĩnh",
    "Xuân",
    "Yên",
    "Bắc",
    "Cẩm",
    "Đức",
    "Hải",
    "Kim",
    "Lộc",
    "Mỹ",
    "Nghĩa",
    "Phong",
    "Thái",
    "Văn",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
GIVEN = ["Hoa", "Lan", "Minh", "Hùng", "Dũng", "Hương", "Thảo", "Tuấn", "Nam", "Mai", "Long", "Trang"]
DEPARTMENTS = [
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Công Thương",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Nông nghiệp và Môi trường",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Thanh tra tỉnh",
    "Văn phòng UBND tỉnh",
    "Sở Dân tộc và Tôn giáo",
    "Ban Quản lý các khu công nghiệp",
    "Ban Quản lý dự án",
    "Đài Phát thanh - Truyền hình",
    "Sở Ngoại vụ",
    "Trung tâm Phục vụ hành chính công",
    "Ban Dân tộc",
    "Văn phòng Đoàn ĐBQH và HĐND",
]


@dataclass(frozen=True)
class Spec:
    provinces: int = 1
    communes_per_province: int = 100
    years: int = 2
    evidence: int = 2  # evidence records (with a small file) per unit and year
    seed: int = 1
    departments_per_province: int = 20
    last_year: int | None = None  # default: this year (its round is open, with editable draft sheets)
    national: bool = True  # a ministry round over every commune/ward of the country in the last closed year
    heavy_evidence: int = 20  # files on the first commune's open sheet (ZIP memory benchmark)
    heavy_file_kb: int = 1024


@dataclass
class Report:
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


@dataclass
class Tree:
    ministry: object = None
    ministry_manager: object = None
    provinces: list = field(default_factory=list)
    departments: dict = field(default_factory=dict)  # province id -> [units]
    communes: dict = field(default_factory=dict)  # province id -> [units]
    managers: dict = field(default_factory=dict)  # province id -> user
    appraisers: dict = field(default_factory=dict)  # province id -> user
    officers: dict = field(default_factory=dict)  # unit id -> user
    heads: dict = field(default_factory=dict)  # unit id -> user


class Rows:
    """Rows of one model as tuples in column order, built without model instances (the big tables).

    Values given to ``add`` must be ready for the database: use ``json()`` and ``dt()`` for JSON and
    datetimes; decimals, booleans, strings and ids go as they are. Columns not given take the field's
    default, prepared once by the field itself.
    """

    def __init__(self, model):
        from django.db import connections, router

        self.model = model
        self.conn = connections[router.db_for_write(model)]
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.defaults = {
            f.attname: f.get_db_prep_save(f.get_default(), self.conn)
            if f.has_default() or f.null
            else ("" if f.empty_strings_allowed else None)
            for f in self.fields
        }
        self.rows: list[tuple] = []
        self._dates: dict = {}
        self.names = [f.attname for f in self.fields]

    def json(self, value):
        return self.conn.ops.adapt_json_value(value, None)

    def dt(self, value):
        if value is None:
            return None
        if value not in self._dates:
            self._dates[value] = self.conn.ops.adapt_datetimefield_value(value)
        return self._dates[value]

    def add(self, **values) -> None:
        defaults = self.defaults
        self.rows.append(tuple(values[name] if name in values else defaults[name] for name in self.names))

    def insert(self) -> int:
        conn = self.conn
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 — names from model meta, values bound
            conn.ops.quote_name(self.model._meta.db_table),
            ", ".join(conn.ops.quote_name(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )
        with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
            for start in range(0, len(self.rows), FAST_CHUNK):
                cursor.executemany(sql, self.rows[start : start + FAST_CHUNK])
        n, self.rows = len(self.rows), []
        return n


class _Score:
    __slots__ = ("pk", "self_points", "not_applicable")

    def __init__(self, self_points, not_applicable):
        self.pk, self.self_points, self.not_applicable = None, self_points, not_applicable


def generated_exists() -> bool:
    from parindex.units.models import Unit

    return Unit.objects.filter(code=MINISTRY_CODE).exists()


def generate(spec: Spec, *, log=print) -> Report:
    """Create the whole data set; refuse if a generated data set is already there."""
    if generated_exists():
        raise ValidationError(
            f"Load data is already in this database (unit {MINISTRY_CODE}); use an empty database."
        )
    if spec.provinces < 1 or spec.communes_per_province < 1 or spec.years < 1:
        raise ValidationError("Provinces, communes per province and years must be at least 1.")
    rng = random.Random(spec.seed)
    report = Report()
    last_year = spec.last_year or timezone.localdate().year
    first_year = last_year - spec.years + 1

    def step(name, fn, *args):
        started = time.perf_counter()
        with transaction.atomic():  # one commit per step (SQLite commits are the slow part otherwise)
            value = fn(*args)
        report.seconds[name] = report.seconds.get(name, 0) + time.perf_counter() - started
        return value

    tree = step("units and users", _units_and_users, spec, rng, report)
    log(f"units and users: {report.counts['units']} units, {report.counts['users']} users")
    frameworks = step("frameworks", _frameworks, tree, first_year, last_year, report)
    for year in range(first_year, last_year + 1):
        started = time.perf_counter()
        open_year = year == last_year
        closed_rounds = []
        for index, province in enumerate(tree.provinces):
            for kind, units in (
                ("commune", tree.communes[province.pk]),
                ("department", tree.departments[province.pk]),
            ):
                if not units:
                    continue
                # One unpublished round of the last closed year has appraisals in every state: the
                # last province's communes (its departments when there is one province, whose
                # commune round the benchmark publishes).
                mixed = (
                    not open_year
                    and year == last_year - 1
                    and index == len(tree.provinces) - 1
                    and (kind == ("commune" if len(tree.provinces) > 1 else "department"))
                )
                state = "open" if open_year else ("mixed" if mixed else "closed")
                round_ = step(
                    "sheets, scores, appraisals, evidence",
                    _round,
                    spec,
                    rng,
                    report,
                    tree,
                    frameworks[kind],
                    province,
                    tree.managers[province.pk],
                    tree.appraisers[province.pk],
                    units,
                    year,
                    state,
                    kind,
                )
                if state == "closed":
                    closed_rounds.append((round_, tree.managers[province.pk]))
        if spec.national and not open_year and year == last_year - 1:
            communes = [u for p in tree.provinces for u in tree.communes[p.pk]]
            round_ = step(
                "sheets, scores, appraisals, evidence",
                _round,
                spec,
                rng,
                report,
                tree,
                frameworks["commune"],
                tree.ministry,
                tree.ministry_manager,
                tree.ministry_manager,
                communes,
                year,
                "closed",
                "national",
            )
            closed_rounds.append((round_, tree.ministry_manager))
        for round_, manager in closed_rounds:
            step("publication (real actions)", _publish, round_, manager, report)
        if not open_year and year == last_year - 1:
            step("remediation", _remediation, rng, report, tree, year, last_year)
        log(f"year {year}: {time.perf_counter() - started:.1f} s")
    return report


# --- units and users -------------------------------------------------------------------------------


def _place_name(rng: random.Random) -> str:
    return f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(['Văn', 'Thị', 'Minh', 'Đức', 'Ngọc'])} {rng.choice(GIVEN)}"


def _units_and_users(spec: Spec, rng: random.Random, report: Report) -> Tree:
    from parindex.units.models import Membership, Unit

    K, Role = Unit.Kind, Membership.Role
    tree = Tree()
    ministry = Unit(
        code=MINISTRY_CODE, name="Bộ Nội vụ (dữ liệu tải)", short_name="Bộ Nội vụ", kind=K.DEPARTMENT
    )
    provinces = [
        Unit(code=f"LG{p:02d}", name=f"Tỉnh {_place_name(rng)} {p}", kind=K.PROVINCE, grade=Unit.Grade.I)
        for p in range(1, spec.provinces + 1)
    ]
    for u in provinces:
        u.short_name = u.name.removeprefix("Tỉnh ")
    _bulk_units([ministry, *provinces])
    tree.ministry, tree.provinces = ministry, provinces
    children = []
    for p_index, province in enumerate(provinces, start=1):
        departments = [
            Unit(
                code=f"LG{p_index:02d}-D{d:02d}",
                kind=K.DEPARTMENT,
                parent=province,
                name=f"{DEPARTMENTS[(d - 1) % len(DEPARTMENTS)]} {province.short_name}"
                + (f" {d}" if d > len(DEPARTMENTS) else ""),
            )
            for d in range(1, spec.departments_per_province + 1)
        ]
        communes = []
        for c in range(1, spec.communes_per_province + 1):
            draw = rng.random()
            kind = K.WARD if draw < 0.22 else (K.SPECIAL_ZONE if draw < 0.24 else K.COMMUNE)
            prefix = {K.WARD: "Phường", K.SPECIAL_ZONE: "Đặc khu"}.get(kind, "Xã")
            short = f"{_place_name(rng)} {c}"
            communes.append(
                Unit(
                    code=f"LG{p_index:02d}-X{c:03d}",
                    kind=kind,
                    parent=province,
                    name=f"{prefix} {short}",
                    short_name=short,
                    grade=rng.choice([Unit.Grade.I, Unit.Grade.II, Unit.Grade.III]),
                )
            )
        tree.departments[province.pk], tree.communes[province.pk] = departments, communes
        children += departments + communes
    _bulk_units(children)
    report.add("units", 1 + len(provinces) + len(children))

    password = make_password(PASSWORD)
    User = get_user_model()
    users, memberships = [], []

    def user(username, unit, role, title=""):
        obj = User(username=username, full_name=_person(rng), password=password, email="")
        users.append(obj)
        memberships.append((obj, unit, role, title))
        return obj

    tree.ministry_manager = user("lg-bnv-manager", ministry, Role.INDEX_MANAGER, "Chuyên viên")
    for p_index, province in enumerate(provinces, start=1):
        tree.managers[province.pk] = user(
            f"lg{p_index:02d}-manager", province, Role.INDEX_MANAGER, "Chuyên viên"
        )
        tree.appraisers[province.pk] = user(
            f"lg{p_index:02d}-appraiser", province, Role.APPRAISER, "Tổ thẩm định"
        )
        user(f"lg{p_index:02d}-viewer", province, Role.VIEWER, "Ban Chỉ đạo")
        for unit in tree.departments[province.pk] + tree.communes[province.pk]:
            stem = unit.code.lower()
            tree.heads[unit.pk] = user(f"{stem}-head", unit, Role.UNIT_HEAD, "Chủ tịch")
            tree.officers[unit.pk] = user(f"{stem}-officer", unit, Role.UNIT_OFFICER, "Công chức")
            user(f"{stem}-officer2", unit, Role.UNIT_OFFICER, "Công chức")
    User.objects.bulk_create(users, batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(user=u, unit=unit, role=role, title=title) for u, unit, role, title in memberships],
        batch_size=BATCH,
    )
    report.add("users", len(users))
    report.add("memberships", len(memberships))
    return tree


def _bulk_units(units: list) -> None:
    """Insert units, then set the materialised path and depth that ``Unit.save`` would set."""
    from parindex.units.models import Unit

    for u in units:
        u.search_name = search_key(f"{u.name} {u.short_name}")
    Unit.objects.bulk_create(units, batch_size=BATCH)
    for u in units:
        parent_path = u.parent.path if u.parent_id else "/"
        u.path = f"{parent_path}{u.pk}/"
        u.depth = u.path.count("/") - 2
    Unit.objects.bulk_update(units, ["path", "depth"], batch_size=BATCH)


# --- frameworks ------------------------------------------------------------------------------------


def _frameworks(tree: Tree, first_year: int, last_year: int, report: Report) -> dict:
    from parindex.frameworks.models import Band, Criterion, Framework

    result = {}
    for kind, kinds, label in (
        ("commune", ["commune", "ward", "special_zone"], "cấp xã"),
        ("department", ["department"], "sở, ban, ngành"),
    ):
        framework = Framework.objects.create(
            name=f"Bộ chỉ số CCHC {label} (dữ liệu tải)",
            decision_number="1/QĐ-BNV",
            issuing_body="Bộ Nội vụ",
            unit_kinds=kinds,
            valid_from_year=first_year,
            valid_to_year=last_year,
            owner_unit=tree.ministry,
            bonus_cap=Decimal(2),
            penalty_cap=Decimal(2),
            locked_at=timezone.now(),
            locked_reason="generate_load",
        )
        areas = [
            Criterion(
                framework=framework, code=str(a), title=title, max_points=Decimal(0), method="", order=a
            )
            for a, title in enumerate(AREAS, start=1)
        ]
        Criterion.objects.bulk_create(areas)
        middles, leaves = [], []
        for a, area in enumerate(areas, start=1):
            survey = a == len(AREAS)
            for m in range(1, (1 if survey else 2) + 1):
                middles.append(
                    Criterion(
                        framework=framework,
                        parent=area,
                        code=f"{a}.{m}",
                        order=m,
                        method="",
                        max_points=Decimal(0),
                        title=f"Tiêu chí {a}.{m}: {area.title.lower()} — nội dung {m}",
                    )
                )
        Criterion.objects.bulk_create(middles)
        for middle in middles:
            survey = middle.parent.code == str(len(AREAS))
            count = 2 if survey else len(LEAF_MAX)
            for j in range(count):
                if survey:
                    method, params, mx, source, na = (
                        "survey",
                        {"instrument": "SIPAS"},
                        Decimal(1),
                        "survey",
                        False,
                    )
                else:
                    mx, source, na = LEAF_MAX[j], "self", j == 6
                    method, params = ("binary", {}) if j % 3 == 0 else ("manual", {"step": "0.25"})
                leaves.append(
                    Criterion(
                        framework=framework,
                        parent=middle,
                        code=f"{middle.code}.{j + 1}",
                        order=j + 1,
                        title=f"Tiêu chí thành phần {middle.code}.{j + 1} ({label})",
                        max_points=mx,
                        method=method,
                        params=params,
                        source=source,
                        allow_not_applicable=na,
                        rule_text="Đạt: điểm tối đa; chưa đạt: 0 điểm."
                        if method == "binary"
                        else "Chấm theo mức độ.",
                    )
                )
        Criterion.objects.bulk_create(leaves, batch_size=BATCH)
        for middle in middles:
            middle.max_points = sum((c.max_points for c in leaves if c.parent_id == middle.pk), Decimal(0))
        for area in areas:
            area.max_points = sum((m.max_points for m in middles if m.parent_id == area.pk), Decimal(0))
        Criterion.objects.bulk_update(middles + areas, ["max_points"])
        framework.max_total = sum((a.max_points for a in areas), Decimal(0))
        framework.save(update_fields=["max_total"])
        framework.rebuild_tree()
        Band.objects.bulk_create(
            [
                Band(framework=framework, label=label_, lower_bound=Decimal(bound), order=i)
                for i, (label_, bound) in enumerate(
                    [("Xuất sắc", 90), ("Tốt", 80), ("Khá", 65), ("Trung bình", 50), ("Yếu", 0)]
                )
            ]
        )
        framework.leaf_list = list(
            Criterion.objects.filter(framework=framework, is_leaf=True).order_by("sort_key")
        )
        result[kind] = framework
        report.add("criteria", len(areas) + len(middles) + len(leaves))
    return result


# --- one round ---------------------------------------------------------------------------------------


def _aware(year: int, month: int, day: int, hour: int = 17) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def _step_down(value: Decimal) -> Decimal:
    return max(Decimal(0), value - QUARTER)


def _self_points(rng: random.Random, leaf, quality: float) -> tuple[dict, Decimal | None, bool]:
    if leaf.allow_not_applicable and rng.random() < 0.04:
        return {}, None, True
    if leaf.method == "binary":
        achieved = rng.random() < quality
        return {"value": achieved}, (leaf.max_points if achieved else Decimal(0)), False
    share = min(1.0, max(0.0, quality + rng.uniform(-0.25, 0.15)))
    points = (leaf.max_points * Decimal(str(round(share, 2))) / QUARTER).to_integral_value() * QUARTER
    points = min(points, leaf.max_points)
    return {"value": format(points, "f")}, points, False


def _round(spec, rng, report, tree, framework, owner, manager, appraiser, units, year, state, kind):
    """One round over ``units``: sheets and scores; appraisal for closed/mixed rounds; evidence."""
    from parindex.appraisals.models import (
        Adjustment,
        AppraisalEntry,
        AppraisalSheet,
        Explanation,
        SurveyScore,
    )
    from parindex.assessments.models import Assessment, Evidence, EvidenceLink, Round, Score

    now = timezone.now()
    open_year = state == "open"
    label = {"commune": "xã, phường", "department": "sở, ban, ngành", "national": "toàn quốc (xã, phường)"}[
        kind
    ]
    round_ = Round.objects.create(
        name=f"Tự đánh giá Chỉ số CCHC năm {year} — {label} — {owner.short_name or owner.name}",
        year=year,
        framework=framework,
        owner_unit=owner,
        status=Round.Status.OPEN if open_year else Round.Status.APPRAISAL,
        self_deadline=(now + dt.timedelta(days=30)) if open_year else _aware(year, 11, 30),
        explanation_deadline=None if open_year else _aware(year, 12, 15),
        appraisal_deadline=None if open_year else _aware(year, 12, 31),
        created_by=manager,
        created_at=now if open_year else _aware(year, 10, 1, 8),
    )
    leaves = framework.leaf_list
    self_leaves = [c for c in leaves if c.source != "survey"]
    submitted_at = _aware(year, 11, 25, 10)
    for chunk_start in range(0, len(units), 200):
        chunk = units[chunk_start : chunk_start + 200]
        sheets = []
        for i, unit in enumerate(chunk, start=chunk_start):
            quality = rng.uniform(0.55, 0.98)
            if open_year:
                # Half draft, a third submitted, the rest locked; the first four cover every state
                # (the first two, draft, are the benchmark's sheets).
                position = i % 20
                status = (
                    ("draft", "draft", "submitted", "locked")[i]
                    if i < 4
                    else ("draft" if position < 10 else ("submitted" if position < 17 else "locked"))
                )
            else:
                status = "submitted"
            sheet = Assessment(
                round=round_,
                unit=unit,
                status=status,
                created_at=round_.created_at,
                submitted_at=submitted_at if status == "submitted" else None,
                submitted_by=tree.heads.get(unit.pk) if status == "submitted" else None,
                locked_at=now if status == "locked" else None,
            )
            sheet.quality = quality
            sheets.append(sheet)
        Assessment.objects.bulk_create(sheets, batch_size=BATCH)
        sheet_by_id = {sheet.pk: sheet for sheet in sheets}
        score_rows = Rows(Score)
        empty, updated = score_rows.json({}), score_rows.dt(submitted_at)
        for sheet in sheets:
            officer = tree.officers.get(sheet.unit_id)
            officer_id = officer.pk if officer else None
            partial = sheet.status == "draft"
            sheet.score_objs = {}
            for leaf in leaves:
                if leaf.source == "survey":
                    inputs, points, na = {}, None, False
                else:
                    inputs, points, na = _self_points(rng, leaf, sheet.quality)
                    if partial and rng.random() < 0.5:
                        inputs, points, na = {}, None, False
                touched = bool(inputs) or na
                score_rows.add(
                    assessment_id=sheet.pk,
                    criterion_id=leaf.pk,
                    max_points=leaf.max_points,
                    inputs=score_rows.json(inputs) if inputs else empty,
                    self_points=points,
                    not_applicable=na,
                    version=2 if touched else 1,
                    updated_at=updated if touched else None,
                    updated_by_id=officer_id if touched else None,
                )
                sheet.score_objs[leaf.pk] = _Score(points, na)
        n_scores = score_rows.insert()
        for a, c, pk in Score.objects.filter(assessment__in=sheets).values_list(
            "assessment_id", "criterion_id", "pk"
        ):
            sheet_by_id[a].score_objs[c].pk = pk
        report.add("score sheets", len(sheets))
        report.add("scores", n_scores)
        _evidence(spec, rng, report, tree, sheets, self_leaves, year, kind, Evidence, EvidenceLink)
        if open_year:
            continue
        app_sheets, explained, adjustments, surveys = [], [], [], []
        for i, sheet in enumerate(sheets, start=chunk_start):
            phase = (
                ["round1", "explanation", "round2", "appraised"][i % 4] if state == "mixed" else "appraised"
            )
            app = AppraisalSheet(
                assessment=sheet,
                status=phase,
                started_at=_aware(year, 12, 2),
                started_by=appraiser,
                round1_completed_at=None if phase == "round1" else _aware(year, 12, 8),
                explanation_submitted_at=_aware(year, 12, 12) if phase in ("round2", "appraised") else None,
                completed_at=_aware(year, 12, 20) if phase == "appraised" else None,
                completed_by=appraiser if phase == "appraised" else None,
            )
            app.phase = phase
            app_sheets.append(app)
        AppraisalSheet.objects.bulk_create(app_sheets, batch_size=BATCH)
        entry_rows = Rows(AppraisalEntry)
        round1_at, round2_at = entry_rows.dt(_aware(year, 12, 8)), entry_rows.dt(_aware(year, 12, 20))
        appraiser_id = appraiser.pk
        for sheet, app in zip(sheets, app_sheets, strict=True):
            phase = app.phase
            for leaf in self_leaves:
                score = sheet.score_objs[leaf.pk]
                if phase == "round1" and rng.random() < 0.5:
                    continue  # the appraiser has not reached this leaf yet
                deduct = score.self_points is not None and score.self_points > 0 and rng.random() < 0.12
                points = _step_down(score.self_points) if deduct else score.self_points
                if points is None and not score.not_applicable:
                    points = Decimal(0)
                flagged = deduct and phase != "round1" and rng.random() < 0.3
                entry_rows.add(
                    sheet_id=app.pk,
                    criterion_id=leaf.pk,
                    round_number=1,
                    max_points=leaf.max_points,
                    points=points,
                    not_applicable=score.not_applicable,
                    reason="Tài liệu kiểm chứng chưa đầy đủ." if deduct else "",
                    explanation_requested=flagged,
                    comment="Đề nghị bổ sung tài liệu." if flagged else "",
                    implicit=not deduct,
                    appraiser_id=appraiser_id,
                    updated_at=round1_at,
                )
                if flagged and phase in ("round2", "appraised"):
                    explained.append((app.pk, leaf.pk, sheet.unit_id))
                    if phase == "appraised":
                        accepted = rng.random() < 0.6
                        entry_rows.add(
                            sheet_id=app.pk,
                            criterion_id=leaf.pk,
                            round_number=2,
                            max_points=leaf.max_points,
                            points=score.self_points if accepted else points,
                            appraiser_id=appraiser_id,
                            reason="" if accepted else "Giải trình chưa thuyết phục.",
                            updated_at=round2_at,
                            not_applicable=False,
                            explanation_requested=False,
                            comment="",
                            implicit=False,
                        )
            if phase == "appraised" and rng.random() < 0.05:
                adjustments.append(
                    Adjustment(
                        sheet=app,
                        kind="bonus",
                        points=Decimal("0.5"),
                        reason="Sáng kiến cải cách hành chính được công nhận.",
                        created_by=appraiser,
                    )
                )
            for leaf in leaves:
                if leaf.source == "survey":
                    percent = Decimal(str(round(rng.uniform(60, 97), 2)))
                    surveys.append(
                        SurveyScore(
                            round=round_,
                            unit_id=sheet.unit_id,
                            criterion=leaf,
                            percent=percent,
                            points=(leaf.max_points * percent / 100).quantize(Q4),
                            imported_by=manager,
                        )
                    )
        n_entries = entry_rows.insert()
        if explained:
            ids = {
                (s_, c): pk
                for s_, c, pk in AppraisalEntry.objects.filter(
                    sheet__in=app_sheets, round_number=1, explanation_requested=True
                ).values_list("sheet_id", "criterion_id", "pk")
            }
            fast_insert(
                Explanation,
                [
                    Explanation(
                        entry_id=ids[(sheet_id, criterion_id)],
                        text="Đơn vị đã bổ sung văn bản chứng minh.",
                        answered_by=tree.officers.get(unit_id),
                        answered_at=_aware(year, 12, 11),
                    )
                    for sheet_id, criterion_id, unit_id in explained
                ],
            )
        Adjustment.objects.bulk_create(adjustments, batch_size=BATCH)
        fast_insert(SurveyScore, surveys)
        report.add("appraisal sheets", len(app_sheets))
        report.add("appraisal entries", n_entries)
        report.add("explanations", len(explained))
        report.add("survey scores", len(surveys))
    report.add("rounds", 1)
    return round_


def _evidence(spec, rng, report, tree, sheets, self_leaves, year, kind, Evidence, EvidenceLink):
    """``spec.evidence`` small files per sheet (the first commune's open sheet gets the heavy set)."""
    if kind == "national":
        return  # the national round reuses the communes' evidence of their province rounds
    evidence, links = [], []
    for sheet in sheets:
        unit = sheet.unit
        heavy = (
            sheet.status == "draft"
            and sheet.round.status == "open"
            and spec.heavy_evidence
            and unit.code.endswith("-X001")
            and unit.code.startswith("LG01")
        )
        n = spec.heavy_evidence if heavy else spec.evidence
        for k in range(1, n + 1):
            leaf = self_leaves[rng.randrange(len(self_leaves))]
            size = spec.heavy_file_kb * 1024 if heavy else rng.randint(1024, 4096)
            data = b"%PDF-1.4\n% parindex load data\n" + rng.randbytes(size)
            key = f"evidence/{unit.pk}/{year}/{uuid.UUID(int=rng.getrandbits(128), version=4).hex}"
            key = default_storage.save(key, ContentFile(data))
            short = f"Van ban {k}"
            ev = Evidence(
                unit=unit,
                year=year,
                file=key,
                short_name=short,
                generated_name=f"{safe_file_stem(unit.name)}-{leaf.code}-{short} ({k}).pdf",
                original_name=f"scan_{k:04d}.pdf",
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                content_type="application/pdf",
                doc_number=f"{rng.randint(1, 300)}/UBND",
                issuer=unit.name,
                doc_date=dt.date(year, rng.randint(1, 10), rng.randint(1, 28)),
                purpose=leaf.code,
                uploaded_by=tree.officers.get(unit.pk),
                uploaded_at=_aware(year, 11, 10),
            )
            evidence.append(ev)
            links.append((sheet.score_objs[leaf.pk], ev))
    Evidence.objects.bulk_create(evidence, batch_size=BATCH)
    EvidenceLink.objects.bulk_create(
        [EvidenceLink(score_id=score.pk, evidence=ev, created_by=ev.uploaded_by) for score, ev in links],
        batch_size=BATCH,
        ignore_conflicts=False,
    )
    report.add("evidence files", len(evidence))


def _publish(round_, manager, report: Report) -> None:
    """The results app's own actions: compute, record the council's approval, publish."""
    from parindex.results.actions import approve_results, compute_results, publish_results

    with transaction.atomic():
        publication = compute_results(round=round_, by=manager)
        publication = approve_results(
            publication=publication,
            by=manager,
            decision_number=f"{round_.pk}/QĐ-UBND",
            decision_date=dt.date(round_.year + 1, 1, 15),
        )
        publish_results(publication=publication, by=manager)
    report.add("publications", 1)
    report.add("unit results", publication.results.count())


# --- remediation ---------------------------------------------------------------------------------------


def _remediation(rng, report, tree, assessed_year: int, plan_year: int) -> None:
    """A Phụ lục II plan per unit of the province rounds of ``assessed_year``: up to 5 leaves below max."""
    from parindex.remediation.models import RemediationItem, RemediationPlan
    from parindex.results.models import LeafResult, UnitResult

    results = list(
        UnitResult.objects.filter(year=assessed_year, publication__round__owner_unit__kind="province")
        .select_related("publication")
        .order_by("unit__path")
    )
    plans = []
    for r in results:
        status = rng.choice(["draft", "submitted", "approved", "approved"])
        plans.append(
            RemediationPlan(
                unit_id=r.unit_id,
                year=plan_year,
                assessed_year=assessed_year,
                result=r,
                round_id=r.publication.round_id,
                framework_id=r.publication.framework_id,
                title=f"Kế hoạch khắc phục tồn tại, hạn chế năm {assessed_year}",
                status=status,
                created_by=tree.heads.get(r.unit_id),
            )
        )
    RemediationPlan.objects.bulk_create(plans, batch_size=BATCH)
    plan_by_result = {p.result_id: p for p in plans}
    lost: dict[int, list] = {}
    for leaf in (
        LeafResult.objects.filter(result__in=[r.pk for r in results], is_survey=False, not_applicable=False)
        .order_by("result_id", "order")
        .only("result_id", "criterion_id", "code", "title", "max_points", "self_points", "final_points")
    ):
        if leaf.final_points is not None and leaf.final_points < leaf.max_points:
            rows = lost.setdefault(leaf.result_id, [])
            if len(rows) < 5:
                rows.append(leaf)
    items = []
    for r in results:
        plan = plan_by_result[r.pk]
        for n, leaf in enumerate(lost.get(r.pk, []), start=1):
            status = rng.choice(["not_started", "in_progress", "done", "done"])
            items.append(
                RemediationItem(
                    unit_id=r.unit_id,
                    year=plan_year,
                    number=n,
                    source="appendix",
                    plan=plan,
                    order=n,
                    criterion_id=leaf.criterion_id,
                    code=leaf.code,
                    title=leaf.title,
                    max_points=leaf.max_points,
                    points=leaf.final_points,
                    lost_by_self=(leaf.max_points - (leaf.self_points or 0)),
                    lost_by_appraisal=((leaf.self_points or 0) - leaf.final_points),
                    shortcoming="Chưa đạt điểm tối đa.",
                    solution="Bổ sung văn bản, hoàn thiện hồ sơ.",
                    deadline=dt.date(plan_year, 9, 30),
                    status=status,
                    completed_on=dt.date(plan_year, 6, 30) if status == "done" else None,
                    result_text="Đã khắc phục." if status == "done" else "",
                )
            )
    RemediationItem.objects.bulk_create(items, batch_size=BATCH)
    report.add("remediation plans", len(plans))
    report.add("remediation items", len(items))


def fingerprint() -> str:
    """A digest of the generated data that ignores database ids and wall-clock times (determinism test)."""
    from parindex.assessments.models import Evidence, Score
    from parindex.results.models import UnitResult
    from parindex.units.models import Unit

    digest = hashlib.sha256()
    for row in Unit.objects.order_by("code").values_list("code", "name", "kind", "grade", "depth"):
        digest.update(repr(row).encode())
    for row in Score.objects.order_by(
        "assessment__round__year",
        "assessment__unit__code",
        "criterion__sort_key",
        "assessment__round__owner_unit__code",
    ).values_list(
        "assessment__unit__code", "criterion__code", "self_points", "not_applicable", "assessment__status"
    ):
        digest.update(repr(row).encode())
    for row in UnitResult.objects.order_by(
        "year", "publication__round__owner_unit__code", "unit_code"
    ).values_list("unit_code", "total", "index_percent", "rank", "rank_of", "class_label"):
        digest.update(repr(row).encode())
    for row in Evidence.objects.order_by("unit__code", "year", "generated_name").values_list(
        "unit__code", "generated_name", "sha256", "size"
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()
