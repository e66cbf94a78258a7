"""Demo step (after the results step): remediation plans of the communes of Huyện Chợ Đồn.

From every commune's published result, a plan for the next year is generated (as the commune's
officer), its Phụ lục II gets causes and solutions, the head submits it and the district's index
manager approves it — except one commune whose plan was returned with comments and one still
waiting for approval. In approved plans the first shortcomings are remedied with evidence named
as in seed 000 (one verified by the district), one is in progress, one cannot be done. The district
records an inspection with numbered findings for two communes, and every commune sets a target.

Deterministic (choices come from ``random.Random`` seeded with unit codes; dates are fixed) and
idempotent (a unit that already has a plan for the year is left alone). Without published results
the step says so and does nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

CAUSES = [
    "Công chức phụ trách chưa nắm vững hướng dẫn chấm điểm",
    "Tài liệu kiểm chứng chưa đầy đủ, chưa đúng thời hạn",
    "Chưa bố trí kinh phí và nhân lực phù hợp",
    "Sự phối hợp giữa các bộ phận chưa chặt chẽ",
]
SOLUTIONS = [
    "Phân công cụ thể công chức chủ trì, lập danh mục tài liệu kiểm chứng ngay từ đầu năm",
    "Ban hành văn bản đúng thời hạn, lưu trữ tài liệu kiểm chứng theo từng tiêu chí",
    "Tăng cường kiểm tra, đôn đốc hằng quý; báo cáo Chủ tịch UBND xã kết quả thực hiện",
    "Tổ chức tập huấn, hướng dẫn nghiệp vụ cho công chức chuyên môn",
]
FINDINGS = [
    "Chưa niêm yết đầy đủ thủ tục hành chính tại Bộ phận một cửa",
    "Hồ sơ giải quyết thủ tục hành chính trễ hạn chưa có văn bản xin lỗi",
    "Chưa cập nhật kết quả thực hiện Kế hoạch CCHC trên Trang thông tin điện tử của xã",
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _member(unit, role):
    from parindex.units.models import Membership

    m = Membership.objects.filter(unit=unit, role=role).select_related("user").order_by("user__username").first()
    return m.user if m else None


def build(*, stdout, style) -> None:
    from django.contrib.auth import get_user_model

    from parindex.results.models import UnitResult

    try:
        from parindex.results.demo import DISTRICT_SLUG
        from parindex.units.demo import district_code
    except ImportError:  # pragma: no cover
        return
    from parindex.units.models import Unit

    district = Unit.objects.filter(code=district_code(DISTRICT_SLUG)).first()
    manager = get_user_model().objects.filter(username=f"huyen.{DISTRICT_SLUG}.noivu").first()
    if district is None or manager is None:
        stdout.write(style.WARNING("remediation: demo district or its manager missing, skipped"))
        return
    results = list(
        UnitResult.objects.published().filter(unit__parent=district, publication__round__isnull=False)
        .select_related("unit", "publication").order_by("-year", "unit__code")
    )
    if not results:
        stdout.write(style.WARNING("remediation: no published results, skipped"))
        return
    year = results[0].year
    results = [r for r in results if r.year == year]
    made = 0
    for index, result in enumerate(results):
        made += _plan_for(result, index, manager)
    _inspection(district, [r.unit for r in results[:2]], manager, year + 1)
    for result in results:
        _target(result)
    stdout.write(style.SUCCESS(f"remediation: {made} plans for {year + 1} from the {year} results"))


def _plan_for(result, index: int, manager) -> int:
    from parindex.remediation import actions
    from parindex.remediation.models import RemediationPlan
    from parindex.units.models import Membership

    unit = result.unit
    if RemediationPlan.objects.filter(unit=unit, year=result.year + 1).exists():
        return 0
    officer = _member(unit, Membership.Role.UNIT_OFFICER)
    head = _member(unit, Membership.Role.UNIT_HEAD)
    if officer is None or head is None:
        return 0
    rng = random.Random(f"remediation/{unit.code}")
    with transaction.atomic():
        plan = actions.generate_plan(result=result, by=officer)
        actions.update_plan(plan, by=officer, number=f"{20 + index}/KH-UBND", document_date=dt.date(plan.year, 3, 25))
        for item in plan.remediation_items.order_by("number"):
            actions.update_item(item, by=officer, cause=rng.choice(CAUSES), solution=rng.choice(SOLUTIONS),
                                expected_result="Đạt điểm tối đa tiêu chí; có tài liệu kiểm chứng đầy đủ",
                                deadline=dt.date(plan.year, rng.choice([6, 9, 11]), 30))
        for item in plan.maintenance_items.order_by("order")[:20]:
            actions.update_maintenance_item(item, by=officer, measures="Duy trì thực hiện, lưu đầy đủ tài liệu kiểm chứng")
        actions.submit_plan(plan, by=head)
        if index == 1:
            actions.return_plan(plan, by=manager, comment="Bổ sung nguyên nhân cụ thể và thời hạn cho từng tồn tại.")
            return 1
        if index == 2:
            return 1  # waits for the district's approval
        actions.approve_plan(plan, by=manager)
    items = list(plan.remediation_items.order_by("number"))
    from parindex.assessments.evidence import content_bytes

    for n, item in enumerate(items[:3]):
        if n < 2:
            actions.record_result(
                item, by=officer, result_text="Đã khắc phục, có văn bản và hình ảnh kèm theo",
                completed_on=dt.date(plan.year, 5, 15 + n),
                uploads=[(content_bytes(PDF, "ket-qua.pdf"), "bao cao ket qua")],
            )
            if n == 0:
                actions.verify_item(item, by=manager, note="Đã kiểm tra tài liệu kiểm chứng")
        else:
            actions.update_progress(item, by=officer, status="in_progress", note="Đang triển khai")
    if len(items) > 4:
        actions.mark_cannot(items[-1], by=officer, reason="Phụ thuộc kinh phí của cấp trên chưa được bố trí")
    return 1


def _inspection(district, units, manager, year: int) -> None:
    from parindex.remediation import actions
    from parindex.remediation.models import Inspection

    if not units or Inspection.objects.filter(owner_unit=district, decision_number="45/QĐ-UBND").exists():
        return
    with transaction.atomic():
        inspection = actions.record_inspection(
            owner_unit=district, by=manager, decision_number="45/QĐ-UBND", decision_date=dt.date(year, 8, 1),
            inspected_on=dt.date(year, 9, 10), units=units, title=f"Kiểm tra công tác CCHC năm {year}",
            conclusion="Thông báo kết luận kiểm tra số 12/TB-UBND",
        )
        for unit in units:
            for text in FINDINGS[: 2 + (unit.pk % 2)]:
                actions.add_finding(inspection, unit=unit, by=manager, shortcoming=text,
                                    deadline=dt.date(year, 12, 10), solution="Khắc phục và báo cáo kết quả")


def _target(result) -> None:
    from parindex.remediation import actions
    from parindex.remediation.models import Target
    from parindex.units.models import Membership

    year = result.year + 1
    if Target.objects.filter(unit=result.unit, year=year).exists():
        return
    head = _member(result.unit, Membership.Role.UNIT_HEAD)
    if head is None or result.index_percent is None:
        return
    goal = min(Decimal(100), (result.index_percent + 3).quantize(Decimal("0.1")))
    with transaction.atomic():
        actions.set_target(unit=result.unit, year=year, by=head, index_percent=goal,
                           class_label="Tốt" if goal >= 80 else "Khá",
                           rank=max(1, (result.rank or 2) - 1),
                           commitments="Cam kết với Trưởng Ban Chỉ đạo CCHC huyện cải thiện thứ hạng.")
