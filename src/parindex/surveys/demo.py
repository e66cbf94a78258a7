"""Demo step (after the assessments step): a citizens' satisfaction survey of three communes of
Huyện Chợ Đồn on the open self-assessment round, answered, checked and approved, so the survey
leaves (8.1.x) of those communes carry points in the round.

Deterministic: respondents, sample (fixed seed) and answers come from ``random.Random`` seeded with
the unit code and the respondent number. Idempotent: nothing happens when the survey exists.
"""

from __future__ import annotations

import io
import random

from django.contrib.auth import get_user_model

DISTRICT_SLUG = "chodon"
COMMUNES = 3
PEOPLE_PER_COMMUNE = 40
SEED = "demo-sipas"
QUESTIONS = [
    # (leaf code, area, question)
    ("8.1.1", "Tiếp cận dịch vụ", "Nơi đón tiếp, hướng dẫn tại Bộ phận Một cửa có thuận tiện không?"),
    ("8.1.1", "Tiếp cận dịch vụ", "Trang thiết bị phục vụ người dân (ghế ngồi, máy tra cứu) có đầy đủ không?"),
    ("8.1.2", "Thủ tục hành chính", "Thủ tục hành chính có được niêm yết công khai, đầy đủ không?"),
    ("8.1.2", "Thủ tục hành chính", "Thành phần hồ sơ và phí, lệ phí có đúng quy định không?"),
    ("8.1.3", "Công chức giải quyết công việc", "Công chức có lịch sự, tôn trọng người dân không?"),
    ("8.1.3", "Công chức giải quyết công việc", "Công chức có hướng dẫn hồ sơ dễ hiểu, một lần là đủ không?"),
    ("8.1.4", "Kết quả giải quyết công việc", "Kết quả được trả đúng hẹn không?"),
    ("8.1.5", "Góp ý, phản ánh", "Ý kiến góp ý, phản ánh của ông/bà có được tiếp nhận và trả lời kịp thời không?"),
]
GROUPS = ["Người dân", "Người dân", "Người dân", "Hộ kinh doanh"]
SEXES = ["Nam", "Nữ"]
AGES = ["18-29", "30-39", "40-49", "50-59", "60+"]


def _frame(communes) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Nhóm", "Giới tính", "Độ tuổi"])
    for unit in communes:
        for i in range(PEOPLE_PER_COMMUNE):
            ws.append([unit.code, GROUPS[i % len(GROUPS)], SEXES[i % 2], AGES[i % len(AGES)]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _keys(rng: random.Random, quality: float, n: int) -> str:
    out = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.06:
            out.append("K")
        elif roll < 0.06 + quality:
            out.append("A")
        else:
            out.append(rng.choice("BBBCCD"))
    return "".join(out)


def build(*, stdout, style) -> None:
    from parindex.assessments.models import Round
    from parindex.surveys import actions
    from parindex.surveys.models import Respondent, Survey
    from parindex.units.models import Unit

    try:
        from parindex.units.demo import district_code
    except ImportError:  # pragma: no cover
        return
    district = Unit.objects.filter(code=district_code(DISTRICT_SLUG)).first()
    manager = get_user_model().objects.filter(username=f"huyen.{DISTRICT_SLUG}.noivu").first()
    round_ = (
        Round.objects.filter(owner_unit=district, status=Round.Status.OPEN).order_by("-year", "-pk").first()
        if district else None
    )
    if district is None or manager is None or round_ is None:
        stdout.write(style.WARNING("surveys: demo district, manager or open round missing, skipped"))
        return
    name = f"Khảo sát sự hài lòng của người dân năm {round_.year} — {district.name}"
    if Survey.objects.filter(name=name, owner_unit=district).exists():
        return
    leaves = {c.code: c for c in round_.framework.leaves() if c.is_survey}
    questions = [q for q in QUESTIONS if q[0] in leaves]
    if not questions:
        stdout.write(style.WARNING("surveys: the demo framework has no survey criteria 8.1.x, skipped"))
        return
    communes = [a.unit for a in round_.assessments.select_related("unit").order_by("unit__code")[:COMMUNES]]
    survey = actions.create_survey(
        by=manager, owner_unit=district, name=name, year=round_.year, framework=round_.framework, round=round_,
        target_group="citizens", deadline=round_.self_deadline,
        questionnaire_title="Phiếu 01: người dân đánh giá sự phục vụ của UBND cấp xã", seed=SEED,
        intro="Xin ông/bà vui lòng cho biết mức độ hài lòng khi giải quyết thủ tục hành chính tại UBND xã.",
        retention_days=90,
    )
    for code, area, text in questions:
        actions.add_question(survey=survey, by=manager, text=text, area=area, criterion=leaves[code])
    actions.import_respondents(survey=survey, source=_frame(communes), by=manager)
    actions.draw_sample(survey=survey, by=manager)
    actions.issue_links(survey=survey, by=manager)  # the demo answers for them; the tokens are dropped
    actions.open_survey(survey=survey, by=manager)
    ordered = list(survey.questions.order_by("order"))
    answered = 0
    for respondent in Respondent.objects.filter(survey=survey, in_sample=True).select_related("unit").order_by("number"):
        rng = random.Random(f"{respondent.unit.code}/{respondent.number}")
        if rng.random() > 0.8:  # about one in five does not answer
            continue
        quality = random.Random(f"{respondent.unit.code}/quality").uniform(0.35, 0.75)
        keys = _keys(rng, quality, len(ordered))
        actions.submit_response(respondent=respondent, answers={q.pk: k for q, k in zip(ordered, keys, strict=True)})
        answered += 1
    # six paper forms of the first commune, keyed in and checked by a second entry
    batch = actions.create_batch(survey=survey, unit=communes[0], name="Hộp phiếu giấy số 1", by=manager, check_share=30)
    for number in range(1, 7):
        keys = _keys(random.Random(f"paper/{number}"), 0.5, len(ordered))
        actions.enter_paper_sheet(batch=batch, sheet_number=number, by=manager,
                                  answers={q.pk: k for q, k in zip(ordered, keys, strict=True)})
    for sheet_number in actions.draw_check_sample(batch=batch, by=manager):
        sheet = batch.responses.get(sheet_number=sheet_number)
        actions.enter_second_entry(response=sheet, by=manager,
                                   answers={a.question_id: a.option.key for a in sheet.answers.select_related("option")})
    actions.close_survey(survey=survey, by=manager)
    scores = actions.approve_survey(survey=survey, by=manager)
    stdout.write(style.SUCCESS(
        f"surveys: {name}: {answered} online answers and 6 paper forms, approved ({scores} criterion scores in the round)"
    ))
