"""Browser journey of issue 13: a respondent answers on a phone through a one-time link; the operator
closes and approves the survey; the assessed commune sees the points of its survey leaf."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from tests.surveys.helpers import answer_all, ready_survey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [PHONE])
def test_respondent_answers_on_a_phone_operator_approves_unit_sees_points(
    live_server, browser, page, tree, district_manager_a, officer_a1
):
    from parindex.surveys.models import Respondent

    survey, tokens = ready_survey(tree, district_manager_a)
    a1 = list(Respondent.objects.filter(survey=survey, unit=tree["A1"]).order_by("number"))
    respondent = a1[0]
    for other in a1[1:5]:  # four neighbours answered the same way, so the unit may see the distribution
        answer_all(survey, other, "ABKA")
    link = f"{live_server.url}/surveys/r/{tokens[respondent.pk]}/"

    violations = []

    def watch(tab):
        tab.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    # the respondent, on a 390×844 phone, no account
    watch(page)
    page.goto(link)
    assert page.viewport_size == PHONE
    page.get_by_text("Phiếu 01: người dân đánh giá UBND cấp xã").first.wait_for()
    # no horizontal scrolling on the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    choices = {1: "Rất hài lòng", 2: "Hài lòng", 3: "Không biết", 4: "Rất hài lòng"}
    for number, label in choices.items():
        question = page.locator(f"[data-testid=question-{number}]")
        question.get_by_text(label, exact=True).click()
        question.locator("[data-testid^=saved-]").wait_for()  # saved through htmx, one answer at a time
    assert page.locator("[data-testid=progress]").inner_text() == "Đã trả lời 4/4 câu"
    # progress survives a reload
    page.reload()
    assert page.locator("[data-testid=question-2] input:checked").count() == 1
    page.locator("[data-testid=submit-answers]").click()
    page.get_by_text("Xin cảm ơn!").wait_for()
    page.goto(link)  # one submission per link
    assert "Mỗi liên kết chỉ dùng được một lần" in page.locator("[data-testid=public-message]").inner_text()

    # the operator closes the survey and approves the results (desktop)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    operator = desk.new_page()
    watch(operator)
    login(operator, live_server.url, "noivu.da")
    operator.goto(f"{live_server.url}/surveys/{survey.pk}/")
    operator.locator("[data-testid=close-survey]").click()
    assert operator.locator("[data-testid=survey-status]").inner_text() == "Đã đóng"
    operator.locator("[data-testid=approve-survey]").click()
    assert operator.locator("[data-testid=survey-status]").inner_text() == "Đã phê duyệt"
    desk.close()

    # the commune's officer sees the aggregates and the points of the survey leaf
    unit_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    unit_page = unit_context.new_page()
    watch(unit_page)
    login(unit_page, live_server.url, "canbo.a1")
    unit_page.goto(f"{live_server.url}/surveys/")
    unit_page.get_by_role("link", name=survey.name).click()
    unit_page.wait_for_url(f"**/surveys/{survey.pk}/unit/{tree['A1'].pk}/")
    # 8.1: question 1 = A (100 %), question 2 = B (60 %) → 80 % of 2 points = 1,6; 8.2: "Không biết" only → no score
    assert unit_page.locator("[data-testid=fed-8\\.1]").inner_text() == "1,6"
    assert unit_page.locator("[data-testid=fed-8\\.2]").inner_text() == "—"
    assert unit_page.locator("canvas").count() >= 1  # the chart was drawn
    unit_context.close()
    assert violations == []  # no inline script, nothing the CSP refuses


def test_paper_form_is_keyed_with_letters_only(live_server, page, tree, district_manager_a):
    from parindex.surveys import actions
    from parindex.surveys.models import Response

    survey, _tokens = ready_survey(tree, district_manager_a)
    batch = actions.create_batch(survey=survey, unit=tree["A1"], name="Hộp 1", by=district_manager_a)
    login(page, live_server.url, "noivu.da")
    page.goto(f"{live_server.url}/surveys/{survey.pk}/paper/{batch.pk}/")
    page.locator("[data-testid=key-1]").focus()
    # a wrong letter ("x") is refused and the cursor stays in question 2; "-" = no answer
    page.keyboard.type("axkd-")
    assert page.locator("[data-testid=save-sheet]").evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.get_by_text("Đã lưu phiếu số 1.").wait_for()
    sheet = Response.objects.get(batch=batch, sheet_number=1)
    assert sorted((a.question.order, a.option.key) for a in sheet.answers.all()) == [(1, "A"), (2, "K"), (3, "D")]
    assert page.locator("#sheet_number").input_value() == "2"
