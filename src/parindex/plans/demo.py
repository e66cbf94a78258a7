"""Demo step: the annual reform plans of Huyện Chợ Đồn and its communes.

Called by ``parindex seed_demo`` after the frameworks step. The district issues its plan
("132/KH-UBND") with a few tasks, three of which it assigns to every commune; each commune
has its own approved plan implementing the district's, with tasks in the index areas linked
to leaves of the commune framework. Statuses and dates are drawn from ``random.Random`` seeded
by the unit code, so every run builds the same data; a plan that already exists is left alone
(idempotent). Without the commune framework or the district the step does nothing.

The plan year is the last year of the commune framework, or the current year if that is
earlier (so the demo plans line up with the framework the demo rounds use).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from parindex.plans.actions import default_framework
from parindex.plans.models import Plan, PlanTask
from parindex.units.models import Unit

DISTRICT_CODE = "064"  # Huyện Chợ Đồn in the demo province
D = dt.date

DISTRICT_TASKS = [
    # (area code, content, output, month due, assigned to communes)
    ("1", "Ban hành Kế hoạch CCHC năm của UBND xã, gửi UBND huyện trước ngày 31/01", "Kế hoạch CCHC năm", 1, True),
    ("1", "Báo cáo định kỳ công tác CCHC quý, 6 tháng, năm đúng thời hạn", "Báo cáo CCHC", 12, True),
    ("1", "Tự đánh giá, chấm điểm Chỉ số CCHC năm, có đầy đủ tài liệu kiểm chứng", "Bảng tự chấm điểm, tài liệu kiểm chứng", 11, True),
    ("3", "Kiểm tra việc niêm yết, công khai thủ tục hành chính tại các xã", "Báo cáo kết quả kiểm tra", 9, False),
    ("7", "Duy trì vận hành Hệ thống thông tin giải quyết thủ tục hành chính cấp huyện", "Hệ thống vận hành ổn định", 12, False),
]

COMMUNE_TASKS = [
    ("1", "Tuyên truyền về CCHC trên hệ thống truyền thanh xã", "Tin, bài tuyên truyền", 6),
    ("1", "Rà soát, khắc phục các tồn tại, hạn chế sau kiểm tra CCHC năm trước", "Báo cáo kết quả khắc phục", 5),
    ("2", "Rà soát, hệ thống hóa văn bản quy phạm pháp luật do HĐND, UBND xã ban hành", "Báo cáo rà soát", 10),
    ("3", "Niêm yết, công khai đầy đủ thủ tục hành chính tại Bộ phận một cửa", "Ảnh chụp niêm yết", 3),
    ("3", "Giải quyết hồ sơ thủ tục hành chính đúng hạn, xin lỗi khi trễ hạn", "Sổ theo dõi hồ sơ", 12),
    ("4", "Rà soát chức năng, nhiệm vụ của công chức chuyên môn xã", "Quyết định phân công", 4),
    ("5", "Cử công chức tham gia bồi dưỡng kỹ năng, nghiệp vụ CCHC", "Danh sách, chứng chỉ", 8),
    ("6", "Thực hiện công khai dự toán, quyết toán ngân sách xã", "Biên bản công khai", 7),
    ("7", "Tiếp nhận, giải quyết hồ sơ trực tuyến trên Cổng dịch vụ công", "Số liệu hồ sơ trực tuyến", 12),
    ("8", "Phối hợp khảo sát mức độ hài lòng của người dân (SIPAS)", "Phiếu khảo sát", 10),
]


def _month_end(year: int, month: int) -> dt.date:
    first_next = D(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _status(rng: random.Random, due: dt.date, today: dt.date):
    """(status, completion date, cancel reason): most tasks done, some late, a few open or cancelled."""
    roll = rng.random()
    if roll < 0.05:
        return PlanTask.Status.CANCELLED, None, "Nhiệm vụ được cấp trên điều chỉnh, không thực hiện trong năm"
    if roll < 0.70 and due <= today:
        return PlanTask.Status.DONE, due - dt.timedelta(days=rng.randint(0, 20)), ""
    if roll < 0.82 and due + dt.timedelta(days=10) <= today:
        return PlanTask.Status.DONE, due + dt.timedelta(days=rng.randint(1, 10)), ""
    return (PlanTask.Status.IN_PROGRESS if rng.random() < 0.6 else PlanTask.Status.NOT_STARTED), None, ""


def _areas_and_leaves(framework):
    areas = {c.code: c for c in framework.criteria.filter(depth=1)}
    first_leaf = {}
    for leaf in framework.leaves().select_related("area"):
        if leaf.area_id and leaf.area.code not in first_leaf and not (leaf.params or {}).get("feed"):
            if leaf.source != "survey" and leaf.method != "survey":
                first_leaf[leaf.area.code] = leaf
    return areas, first_leaf


def build(*, stdout, style) -> None:
    district = Unit.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        stdout.write(style.WARNING("plans: demo district not found, plans skipped"))
        return
    communes = list(
        Unit.objects.filter(parent=district, kind__in=[Unit.Kind.COMMUNE, Unit.Kind.WARD]).order_by("code")
    )
    today = timezone.localdate()
    probe = communes[0] if communes else None
    framework = None
    if probe is not None:
        for year in range(today.year, 2019, -1):
            framework = default_framework(probe, year)
            if framework is not None:
                break
    if framework is None:
        stdout.write(style.WARNING("plans: no commune framework, demo plans skipped"))
        return
    year = min(today.year, framework.valid_to_year)
    areas, leaves = _areas_and_leaves(framework)
    created = 0
    with transaction.atomic():
        district_plan, new = Plan.objects.get_or_create(
            unit=district, year=year,
            defaults=dict(title=f"Kế hoạch cải cách hành chính năm {year} của UBND huyện Chợ Đồn",
                          number="132/KH-UBND", document_date=D(year, 1, 10), status=Plan.Status.APPROVED),
        )
        if new:
            created += 1
            for order, (_area, content, output, month, _assign) in enumerate(DISTRICT_TASKS, start=1):
                due = _month_end(year, month)
                rng = random.Random(f"{district.code}-{order}")
                status, done_on, reason = _status(rng, due, today)
                PlanTask.objects.create(
                    plan=district_plan, order=order, area_text="Chỉ đạo, điều hành CCHC cấp huyện",
                    content=content, expected_output=output, lead_unit=district, start_date=D(year, 1, 1),
                    due_date=due, status=status, completion_date=done_on, cancel_reason=reason,
                )
        assigned = {order: row for order, row in enumerate(DISTRICT_TASKS, start=1) if row[4]}
        parents = [(task, assigned[task.order]) for task in district_plan.tasks.filter(order__in=list(assigned))]
        for commune in communes:
            plan, new = Plan.objects.get_or_create(
                unit=commune, year=year,
                defaults=dict(
                    title=f"Kế hoạch cải cách hành chính năm {year}", number=f"{10 + communes.index(commune):02d}/KH-UBND",
                    document_date=D(year, 1, 20), parent_plan=district_plan, framework=framework,
                    status=Plan.Status.APPROVED,
                ),
            )
            if not new:
                continue
            created += 1
            rng = random.Random(commune.code)
            rows = [(a, c, o, m, None) for a, c, o, m in COMMUNE_TASKS]
            rows += [(row[0], row[1], row[2], row[3], parent) for parent, row in parents]
            rows.sort(key=lambda r: (r[0], r[3]))
            for order, (area_code, content, output, month, parent) in enumerate(rows, start=1):
                due = _month_end(year, month)
                status, done_on, reason = _status(rng, due, today)
                task = PlanTask.objects.create(
                    plan=plan, order=order, area=areas.get(area_code),
                    area_text="" if area_code in areas else "Nhiệm vụ khác",
                    content=content, expected_output=output, lead_unit=commune, lead_text="Công chức Văn phòng - Thống kê",
                    start_date=D(year, 1, 1), due_date=due, status=status, completion_date=done_on,
                    cancel_reason=reason, parent_task=parent,
                )
                if area_code in leaves:
                    task.criteria.add(leaves[area_code])
    if created:
        stdout.write(style.SUCCESS(f"plans: {created} reform plans {year} for Huyện Chợ Đồn and its communes"))
