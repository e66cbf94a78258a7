"""A small framework with two survey leaves, a round over A1 and A2, and a survey on it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

from django.utils import timezone


def make_framework(owner):
    from parindex.frameworks.models import Criterion, Framework

    fw = Framework.objects.create(name="Bộ chỉ số xã (khảo sát)", unit_kinds=["commune"], valid_from_year=2020,
                                  valid_to_year=2030, owner_unit=owner, max_total=D(10))
    area1 = Criterion.objects.create(framework=fw, code="1", title="Lĩnh vực 1", max_points=D(5), order=1)
    Criterion.objects.create(framework=fw, parent=area1, code="1.1", title="Ban hành kế hoạch", max_points=D(5),
                             method="manual", order=1)
    area8 = Criterion.objects.create(framework=fw, code="8", title="Mức độ hài lòng", max_points=D(5), order=8)
    Criterion.objects.create(framework=fw, parent=area8, code="8.1", title="Tiếp cận dịch vụ", max_points=D(2),
                             method="survey", source="survey", order=1)
    Criterion.objects.create(framework=fw, parent=area8, code="8.2", title="Thủ tục hành chính", max_points=D(3),
                             method="survey", source="survey", order=2)
    fw.rebuild_tree()
    return fw


def make_round(fw, owner, units, *, year=2024):
    from parindex.assessments.models import Assessment, Round, Score

    now = timezone.now()
    rnd = Round.objects.create(name=f"Chỉ số CCHC năm {year}", year=year, framework=fw, owner_unit=owner,
                               self_deadline=now + dt.timedelta(days=10), status="open")
    for unit in units:
        sheet = Assessment.objects.create(round=rnd, unit=unit)
        for c in fw.leaves():
            Score.objects.create(assessment=sheet, criterion=c, max_points=c.max_points)
    return rnd


def leaf(fw, code):
    return fw.criteria.get(code=code)


def make_survey(tree, manager, *, with_round=True, deadline=None):
    """Survey of DA over A1 and A2: Q1, Q2 → 8.1; Q3 → 8.2; Q4 unmapped."""
    from parindex.surveys import actions

    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["DA"], [tree["A1"], tree["A2"]]) if with_round else None
    survey = actions.create_survey(
        by=manager, owner_unit=tree["DA"], name="Khảo sát hài lòng năm 2024", year=2024, framework=fw,
        target_group="citizens", deadline=deadline or timezone.now() + dt.timedelta(days=7), round=rnd,
        questionnaire_title="Phiếu 01: người dân đánh giá UBND cấp xã", seed="hat-giong-2024",
    )
    actions.add_question(survey=survey, by=manager, area="Tiếp cận dịch vụ", text="Nơi đón tiếp có thuận tiện không?",
                         criterion=leaf(fw, "8.1"))
    actions.add_question(survey=survey, by=manager, area="Tiếp cận dịch vụ", text="Trang thiết bị có đầy đủ không?",
                         criterion=leaf(fw, "8.1"))
    actions.add_question(survey=survey, by=manager, area="Thủ tục hành chính", text="Thủ tục có được niêm yết không?",
                         criterion=leaf(fw, "8.2"))
    actions.add_question(survey=survey, by=manager, area="Khác", text="Ông/bà biết đến dịch vụ qua đâu?")
    return survey


def respondents_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Nhóm", "Giới tính", "Độ tuổi", "Chức vụ", "Liên hệ"])
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def frame(a1=12, a2=5):
    """A respondents list: ``a1`` people for A1 and ``a2`` for A2."""
    rows = [("A1", "Người dân", "Nữ" if i % 2 else "Nam", "30-39", "", f"09{i:08d}") for i in range(a1)]
    rows += [("A2", "Người dân", "Nam", "40-49", "", "") for _ in range(a2)]
    return respondents_xlsx(rows)


def ready_survey(tree, manager, **kwargs):
    """Imported, sampled, linked and open. Returns (survey, {respondent_id: token})."""
    from parindex.surveys import actions

    survey = make_survey(tree, manager, **kwargs)
    actions.import_respondents(survey=survey, source=frame(), by=manager)
    actions.draw_sample(survey=survey, by=manager)
    tokens = {r.pk: token for r, token in actions.issue_links(survey=survey, by=manager)}
    actions.open_survey(survey=survey, by=manager)
    survey.refresh_from_db()
    return survey, tokens


def answer_all(survey, respondent, keys):
    """Submit ``keys`` (one letter per question, in order)."""
    from parindex.surveys import actions

    questions = list(survey.questions.order_by("order"))
    return actions.submit_response(respondent=respondent, answers={q.pk: k for q, k in zip(questions, keys, strict=True)})
