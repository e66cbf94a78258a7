"""The survey workflow through its actions: list import, sample, links, answers, paper entry, approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from parindex.core.spreadsheets import SpreadsheetError
from parindex.surveys import actions, selectors
from parindex.surveys.models import Respondent, Response, Survey, hash_token

from .helpers import answer_all, frame, make_survey, ready_survey, respondents_xlsx

pytestmark = pytest.mark.django_db


def test_import_reports_every_bad_row_and_writes_nothing(tree, district_manager_a):
    survey = make_survey(tree, district_manager_a)
    bad = respondents_xlsx([("A1", "Người dân", "Nữ", "30-39", "", ""), ("ZZ", "x", "Nam", "", "", ""),
                            ("B1", "x", "Nam", "", "", ""), ("A2", "x", "Không rõ", "", "", "")])
    with pytest.raises(SpreadsheetError) as info:
        actions.import_respondents(survey=survey, source=bad, by=district_manager_a)
    text = "\n".join(str(e) for e in info.value.errors)
    assert "Dòng 3" in text and "“ZZ”" in text
    assert "Dòng 4" in text and "“B1”" in text  # another district's commune
    assert "Dòng 5" in text and "Không rõ" in text
    assert Respondent.objects.count() == 0 and not survey.survey_units.exists()


def test_import_refuses_a_unit_outside_the_round(tree, district_manager_a):
    from parindex.units.models import Unit

    survey = make_survey(tree, district_manager_a)
    Unit.objects.create(code="A3", name="Xã Mới", kind="commune", parent=tree["DA"])
    with pytest.raises(SpreadsheetError) as info:
        actions.import_respondents(survey=survey, source=respondents_xlsx([("A3", "", "", "", "", "")]),
                                   by=district_manager_a)
    assert "không thuộc đợt đánh giá" in str(info.value.errors[0])


def test_sample_size_per_unit_and_the_draw_is_reproducible(tree, district_manager_a):
    survey = make_survey(tree, district_manager_a)
    actions.import_respondents(survey=survey, source=frame(a1=100, a2=5), by=district_manager_a)
    sizes = actions.draw_sample(survey=survey, by=district_manager_a)
    assert sizes == {tree["A1"].pk: 80, tree["A2"].pk: 5}
    first = set(Respondent.objects.filter(survey=survey, in_sample=True).values_list("number", flat=True))
    assert len(first) == 85
    actions.draw_sample(survey=survey, by=district_manager_a)
    assert set(Respondent.objects.filter(survey=survey, in_sample=True).values_list("number", flat=True)) == first
    Survey.objects.filter(pk=survey.pk).update(seed="hat-giong-khac")
    survey.refresh_from_db()
    actions.draw_sample(survey=survey, by=district_manager_a)
    assert set(Respondent.objects.filter(survey=survey, in_sample=True).values_list("number", flat=True)) != first


def test_links_are_long_random_and_only_their_hash_is_stored(tree, district_manager_a):
    survey, tokens = ready_survey(tree, district_manager_a)
    assert len(tokens) == 17
    for pk, token in tokens.items():
        assert len(token) >= 22  # ≥ 128 bits in URL-safe base64
        stored = Respondent.objects.get(pk=pk).token_hash
        assert stored == hash_token(token) and token not in stored


def test_progress_is_saved_and_a_link_submits_once(tree, district_manager_a):
    survey, tokens = ready_survey(tree, district_manager_a)
    respondent = Respondent.objects.filter(survey=survey, unit=tree["A1"]).first()
    q1, q2, q3, q4 = survey.questions.order_by("order")
    actions.save_answer(respondent=respondent, question=q1, key="a")
    actions.save_answer(respondent=respondent, question=q1, key="B")  # changed mind
    response = Response.objects.get(respondent=respondent)
    assert response.status == "draft" and [a.option.key for a in response.answers.all()] == ["B"]
    with pytest.raises(ValidationError) as info:
        actions.submit_response(respondent=respondent, answers={q2.pk: "A"})
    assert "Còn thiếu: 3, 4" in info.value.messages[0]
    actions.submit_response(respondent=respondent, answers={q2.pk: "A", q3.pk: "K", q4.pk: "C"})
    response.refresh_from_db()
    assert response.status == "submitted" and response.answers.count() == 4
    with pytest.raises(actions.LinkClosed):
        actions.submit_response(respondent=respondent, answers={q1.pk: "D"})
    with pytest.raises(actions.LinkClosed):
        actions.save_answer(respondent=respondent, question=q1, key="D")
    assert Response.objects.get(respondent=respondent).answers.get(question=q1).option.key == "B"


def test_answers_stop_at_the_deadline_and_when_the_survey_closes(tree, district_manager_a):
    survey, _tokens = ready_survey(tree, district_manager_a)
    first, second = Respondent.objects.filter(survey=survey)[:2]
    q1 = survey.questions.get(order=1)
    Survey.objects.filter(pk=survey.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(actions.LinkClosed):
        actions.save_answer(respondent=first, question=q1, key="A")
    Survey.objects.filter(pk=survey.pk).update(deadline=timezone.now() + dt.timedelta(days=1))
    actions.save_answer(respondent=first, question=q1, key="A")
    actions.close_survey(survey=survey, by=district_manager_a)
    with pytest.raises(actions.LinkClosed):
        actions.save_answer(respondent=second, question=q1, key="A")


def test_results_weight_answers_and_leave_out_dont_know(tree, district_manager_a):
    survey, _tokens = ready_survey(tree, district_manager_a)
    a1 = list(Respondent.objects.filter(survey=survey, unit=tree["A1"]))
    answer_all(survey, a1[0], "AAAA")
    answer_all(survey, a1[1], "BDKA")
    answer_all(survey, a1[2], "CKKA")
    (result,) = selectors.results(survey, unit_ids=[tree["A1"].pk])
    q1, q2, q3, _q4 = result.questions
    assert q1.score == D(60)  # (100 + 60 + 20) / 3
    assert q2.score == D(50) and q2.dont_know == 1  # (100 + 0) / 2
    assert q3.score == D(100) and q3.answered == 1 and q3.dont_know == 2
    leaf81, leaf82 = result.leaves
    assert leaf81.percent == D(55) and leaf81.points == D("1.1000")  # mean(60, 50) × 2
    assert leaf82.percent == D(100) and leaf82.points == D("3.0000")
    assert result.online == 3 and result.invited == 12
    assert result.response_rate == D(25)


def test_approval_feeds_the_survey_leaves_through_the_appraisal_import(tree, district_manager_a):
    from parindex.appraisals.models import SurveyScore
    from parindex.core.models import AuditEntry

    survey, _tokens = ready_survey(tree, district_manager_a)
    a1 = list(Respondent.objects.filter(survey=survey, unit=tree["A1"]))
    answer_all(survey, a1[0], "AAAA")
    answer_all(survey, a1[1], "ADBA")
    answer_all(survey, a1[2], "KKKK")
    a2 = Respondent.objects.filter(survey=survey, unit=tree["A2"]).first()
    answer_all(survey, a2, "CCAB")
    with pytest.raises(ValidationError, match="Hãy đóng cuộc khảo sát"):
        actions.approve_survey(survey=survey, by=district_manager_a)
    actions.close_survey(survey=survey, by=district_manager_a)
    assert actions.approve_survey(survey=survey, by=district_manager_a) == 4
    scores = {(s.unit.code, s.criterion.code): (s.percent, s.points) for s in SurveyScore.objects.all()}
    # A1: Q1 = 100, Q2 = (100 + 0) / 2 = 50 → 8.1 = 75 % of 2; Q3 = (100 + 60) / 2 = 80 % of 3
    assert scores[("A1", "8.1")] == (D(75), D("1.5"))
    assert scores[("A1", "8.2")] == (D(80), D("2.4"))
    assert scores[("A2", "8.1")] == (D(20), D("0.4"))
    assert scores[("A2", "8.2")] == (D(100), D(3))
    assert Survey.objects.get(pk=survey.pk).status == "approved"
    assert AuditEntry.objects.filter(action="appraisal.import_survey").exists()
    assert AuditEntry.objects.filter(action="survey.approve").exists()
    (result,) = selectors.results(Survey.objects.get(pk=survey.pk), unit_ids=[tree["A1"].pk])
    assert [leaf.fed_points for leaf in result.leaves] == [D("1.5"), D("2.4")]


def test_approval_needs_a_round(tree, district_manager_a):
    survey, _tokens = ready_survey(tree, district_manager_a, with_round=False)
    actions.close_survey(survey=survey, by=district_manager_a)
    with pytest.raises(ValidationError, match="đợt đánh giá"):
        actions.approve_survey(survey=survey, by=district_manager_a)


def test_only_the_survey_operator_runs_it(tree, district_manager_a, officer_a1, appraiser_province, province_manager):
    survey, _tokens = ready_survey(tree, district_manager_a)
    for outsider in (officer_a1, appraiser_province):
        with pytest.raises(PermissionDenied):
            actions.close_survey(survey=survey, by=outsider)
    actions.close_survey(survey=survey, by=province_manager)  # index manager above the owner unit


def test_paper_entry_and_double_entry_check(tree, district_manager_a):
    from parindex.appraisals.models import SurveyScore

    survey, _tokens = ready_survey(tree, district_manager_a)
    q = {x.order: x.pk for x in survey.questions.all()}
    with pytest.raises(ValidationError, match="không thuộc cuộc khảo sát"):
        actions.create_batch(survey=survey, unit=tree["B1"], name="Hộp lạ", by=district_manager_a)
    batch = actions.create_batch(survey=survey, unit=tree["A2"], name="Hộp số 1", by=district_manager_a,
                                 check_share=50)
    with pytest.raises(ValidationError) as info:
        actions.enter_paper_sheet(batch=batch, sheet_number=1, answers={q[1]: "X"}, by=district_manager_a)
    assert "Câu 1: “X” không phải là một phương án trả lời" in info.value.messages[0]
    for number, keys in ((1, "AAAA"), (2, "BB-A"), (3, "CCCC"), (4, "DDKD")):
        actions.enter_paper_sheet(batch=batch, sheet_number=number, by=district_manager_a,
                                  answers={q[i + 1]: k for i, k in enumerate(keys)})
    with pytest.raises(ValidationError, match="đã được nhập"):
        actions.enter_paper_sheet(batch=batch, sheet_number=2, answers={}, by=district_manager_a)
    actions.close_survey(survey=survey, by=district_manager_a)
    with pytest.raises(ValidationError, match="hãy chọn các phiếu để nhập lại"):
        actions.approve_survey(survey=survey, by=district_manager_a)
    drawn = actions.draw_check_sample(batch=batch, by=district_manager_a)
    assert len(drawn) == 2 and drawn == actions.draw_check_sample(batch=batch, by=district_manager_a)
    sheets = {r.sheet_number: r for r in batch.responses.all()}
    typo = sheets[drawn[0]]
    first_keys = {a.question_id: a.option.key for a in typo.answers.all()}
    wrong = dict(first_keys)
    wrong[q[1]] = "D" if first_keys.get(q[1]) != "D" else "A"
    verification = actions.enter_second_entry(response=typo, answers=wrong, by=district_manager_a)
    assert verification.mismatches == [{"question": q[1], "number": 1, "first": first_keys[q[1]], "second": wrong[q[1]]}]
    other = sheets[drawn[1]]
    actions.enter_second_entry(response=other, by=district_manager_a,
                               answers={a.question_id: a.option.key for a in other.answers.all()})
    with pytest.raises(ValidationError, match="khác nhau giữa hai lần nhập"):
        actions.approve_survey(survey=survey, by=district_manager_a)
    # the paper says the second entry was right: correct the first entry
    actions.enter_paper_sheet(batch=batch, sheet_number=typo.sheet_number, answers=wrong, by=district_manager_a,
                              response=typo)
    assert selectors.check_problems(survey) == []
    actions.approve_survey(survey=survey, by=district_manager_a)
    assert SurveyScore.objects.filter(unit=tree["A2"]).count() == 2
    with pytest.raises(ValidationError):
        actions.enter_second_entry(response=sheets[[n for n in sheets if n not in drawn][0]], answers={},
                                   by=district_manager_a)


def test_purge_command_honours_the_retention_period(tree, district_manager_a):
    survey, _tokens = ready_survey(tree, district_manager_a)
    Survey.objects.filter(pk=survey.pk).update(retention_days=30)
    actions.close_survey(survey=survey, by=district_manager_a)
    call_command("purge_survey_personal_data")
    assert Respondent.objects.filter(survey=survey).exclude(contact="").exists()
    Survey.objects.filter(pk=survey.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    call_command("purge_survey_personal_data", "--dry-run")
    assert Respondent.objects.filter(survey=survey).exclude(contact="").exists()
    call_command("purge_survey_personal_data")
    assert not Respondent.objects.filter(survey=survey).exclude(contact="").exists()
    assert not Respondent.objects.filter(survey=survey, token_hash__isnull=False).exists()
    assert Survey.objects.get(pk=survey.pk).personal_data_purged_at is not None


def test_questions_only_map_to_survey_leaves_and_change_only_in_draft(tree, district_manager_a):
    survey = make_survey(tree, district_manager_a)
    with pytest.raises(ValidationError, match="tiêu chí khảo sát"):
        actions.add_question(survey=survey, by=district_manager_a, text="?",
                             criterion=survey.framework.criteria.get(code="1.1"))
    with pytest.raises(ValidationError):
        actions.parse_options("A | Tốt | 100")
    assert actions.parse_options("a | Tốt | 100\nB | Kém | 0,5\nK | Không biết |")[1] == ("B", "Kém", D("0.5"))
    actions.import_respondents(survey=survey, source=frame(), by=district_manager_a)
    actions.draw_sample(survey=survey, by=district_manager_a)
    actions.open_survey(survey=survey, by=district_manager_a)
    with pytest.raises(ValidationError, match="bản nháp"):
        actions.add_question(survey=survey, by=district_manager_a, text="Câu mới")


def _questions_xlsx(rows):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Lĩnh vực", "Câu hỏi", "Mã tiêu chí", "Trọng số", "Phương án"])
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_questions_import_from_xlsx_all_or_nothing(tree, district_manager_a):
    survey = make_survey(tree, district_manager_a)
    bad = _questions_xlsx([("Khác", "Câu 5?", "1.1", 1, ""), ("Khác", "Câu 6?", "8.1", 0, ""),
                           ("Khác", "Câu 7?", "", 1, "A | Có | 100")])
    with pytest.raises(SpreadsheetError) as info:
        actions.import_questions(survey=survey, source=bad, by=district_manager_a)
    text = "\n".join(str(e) for e in info.value.errors)
    assert "Dòng 2" in text and "“1.1” không phải là tiêu chí khảo sát" in text
    assert "Dòng 3" in text and "Dòng 4" in text
    assert survey.questions.count() == 4
    good = _questions_xlsx([("Thủ tục", "Phí, lệ phí có đúng quy định?", "8.2", 2, ""),
                            ("Khác", "Có muốn góp ý?", "", None, "A | Có | 100; B | Không | 0")])
    assert actions.import_questions(survey=survey, source=good, by=district_manager_a) == 2
    q5, q6 = survey.questions.filter(order__gt=4).order_by("order")
    assert q5.criterion.code == "8.2" and q5.weight == 2 and q5.options.count() == 5
    assert [(o.key, o.weight) for o in q6.options.all()] == [("A", D(100)), ("B", D(0))]


def test_deadline_can_be_extended_and_the_round_set_later(tree, district_manager_a):
    from .helpers import make_round

    survey, _tokens = ready_survey(tree, district_manager_a, with_round=False)
    with pytest.raises(ValidationError, match="Đã quá hạn chót"):
        actions.update_survey(survey=survey, by=district_manager_a, deadline=timezone.now() - dt.timedelta(days=1))
    later = timezone.now() + dt.timedelta(days=30)
    actions.update_survey(survey=survey, by=district_manager_a, deadline=later)
    other_round = make_round(survey.framework, tree["DA"], [tree["A1"]], year=2025)
    with pytest.raises(ValidationError, match="Xã Bằng Lãng"):
        actions.update_survey(survey=survey, by=district_manager_a, round=other_round)
    full_round = make_round(survey.framework, tree["DA"], [tree["A1"], tree["A2"]], year=2024)
    actions.update_survey(survey=survey, by=district_manager_a, round=full_round)
    survey.refresh_from_db()
    assert survey.round == full_round and survey.deadline == later


def test_district_operator_cannot_feed_a_province_round(tree, district_manager_a):
    from .helpers import make_round

    survey, _tokens = ready_survey(tree, district_manager_a, with_round=False)
    province_round = make_round(survey.framework, tree["P"], [tree["A1"], tree["A2"]], year=2025)
    Survey.objects.filter(pk=survey.pk).update(round=province_round)
    actions.close_survey(survey=survey, by=district_manager_a)
    with pytest.raises(ValidationError, match="Chỉ người quản lý chỉ số của đơn vị quản lý đợt đánh giá"):
        actions.approve_survey(survey=Survey.objects.get(pk=survey.pk), by=district_manager_a)
