"""Appraisal through the API: an appraiser's points and request for explanation, completing a
round, the unit's explanation and its sending — the same actions and messages as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from parindex.appraisals.models import AppraisalEntry, AppraisalSheet, Explanation
from parindex.assessments.models import EvidenceLink
from tests.api.conftest import pdf_upload


def entry_url(world, code="A1", key="appraisal_sheet"):
    return f"sheets/{world[key][code].pk}/appraisal/entries/{world['leaf'].pk}"


def put(client, path, body):
    return client.call("put", path, data=body, content_type="application/json")


def round1_entry(world, code="A1"):
    return AppraisalEntry.objects.filter(
        sheet__assessment=world["appraisal_sheet"][code], criterion=world["leaf"], round_number=1
    ).first()


def test_an_appraiser_scores_a_leaf_asks_for_an_explanation_and_completes_round_1(caller, world):
    api = caller("appraiser_province")
    sheet = world["appraisal_sheet"]["A1"]
    response = put(
        api,
        entry_url(world),
        {
            "points": "20,5",
            "reason": "Thiếu quyết định ban hành",
            "request_explanation": True,
            "comment": "Bổ sung QĐ",
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["points"] == "20.5000" and data["round_number"] == 1 and data["explanation_requested"] is True
    entry = round1_entry(world)
    assert entry.points == Decimal("20.5") and entry.comment == "Bổ sung QĐ"
    assert entry.appraiser == world["personas"]["appraiser_province"]
    listed = api.get("appraisal-entries", data={"sheet_id": sheet.pk, "explanation_requested": True}).json()
    assert [(e["id"], e["reason"]) for e in listed["items"]] == [(entry.pk, "Thiếu quyết định ban hành")]

    done = api.post(f"sheets/{sheet.pk}/appraisal/complete")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "explanation" and done.json()["flagged"] == 1
    assert AppraisalSheet.objects.get(assessment=sheet).status == "explanation"
    # the untouched leaves took the self score (25 each)
    assert AppraisalEntry.objects.filter(sheet__assessment=sheet, round_number=1).count() == 4
    again = api.get(f"sheets/{sheet.pk}/appraisal").json()
    assert again["status"] == "explanation" and again["current_round"] is None and again["explained"] == 0


def test_the_unit_explains_with_a_file_sends_it_and_round_2_closes_the_appraisal(caller, world):
    sheet = world["explanation_sheet"]["A1"]
    entry = world["flagged"]["A1"]
    officer = caller("officer_a1")
    response = officer.post(
        f"appraisal-entries/{entry.pk}/explanation",
        {
            "text": "Kế hoạch số 12/KH-UBND đã ban hành ngày 10/01",
            "short_name": "KH 12",
            "file": pdf_upload(),
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["explanation"] == "Kế hoạch số 12/KH-UBND đã ban hành ngày 10/01"
    explanation = Explanation.objects.get(entry=entry)
    assert explanation.answered_by == world["personas"]["officer_a1"]
    evidence = explanation.evidence.get()
    assert EvidenceLink.objects.filter(evidence=evidence, score__assessment=sheet).exists()
    listed = officer.get(
        "appraisal-entries", data={"sheet_id": sheet.pk, "explanation_requested": True}
    ).json()
    assert listed["items"][0]["explanation"].startswith("Kế hoạch số 12")

    sent = caller("head_a1").post(f"sheets/{sheet.pk}/appraisal/explanation/submit")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "round2" and sent.json()["explained"] == 1
    appraiser = caller("appraiser_province")
    second = put(appraiser, entry_url(world, key="explanation_sheet"), {"points": 25})
    assert second.status_code == 200, second.content
    assert second.json()["round_number"] == 2 and second.json()["points"] == "25.0000"
    closed = appraiser.post(f"sheets/{sheet.pk}/appraisal/complete")
    assert closed.json()["status"] == "appraised"
    assert (
        AppraisalSheet.objects.get(assessment=sheet).completed_by == world["personas"]["appraiser_province"]
    )


def test_another_units_official_gets_404_and_the_unit_itself_403(api_as, world):
    outsider = put(api_as("officer_b1"), entry_url(world), {"points": "25"})
    assert outsider.status_code == 404
    assert outsider.json()["detail"] == "Không tìm thấy."
    own = put(api_as("officer_a1"), entry_url(world), {"points": "25"})
    assert own.status_code == 403
    # "You may not do this." (several catalogues translate it; the wording may differ slightly)
    assert own.json()["detail"].startswith("Bạn không") and own.json()["detail"].endswith("thao tác này.")
    assert round1_entry(world) is None
    flagged = world["flagged"]["A1"]
    assert (
        api_as("officer_b1").post(f"appraisal-entries/{flagged.pk}/explanation", {"text": "x"}).status_code
        == 404
    )
    assert (
        api_as("appraiser_province")
        .post(f"appraisal-entries/{flagged.pk}/explanation", {"text": "x"})
        .status_code
        == 403
    )
    assert not Explanation.objects.exists()
    # a criterion of another framework is not a leaf of this sheet
    other = world["score"]["A1"].criterion
    path = f"sheets/{world['appraisal_sheet']['A1'].pk}/appraisal/entries/{other.pk}"
    assert put(api_as("appraiser_province"), path, {"points": "1"}).status_code == 404
    # a draft sheet has no appraisal yet
    assert api_as("appraiser_province").get(f"sheets/{world['sheet']['A1'].pk}/appraisal").status_code == 404


def test_bad_points_and_missing_reasons_answer_422_in_vietnamese_and_write_nothing(api_as, world):
    api = api_as("appraiser_province")
    cases = [
        ({"points": "30", "reason": "x"}, "Điểm phải từ 0 đến 25."),
        ({"points": "abc"}, "“abc” không phải là số."),
        ({"points": "20"}, "Ghi lý do: điểm thẩm định khác điểm tự chấm."),
        ({"points": "25", "request_explanation": True}, "Ghi rõ nội dung đơn vị cần giải trình."),
    ]
    for body, message in cases:
        response = put(api, entry_url(world), body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["detail"] == message
    assert put(api, entry_url(world), {"points": [1]}).status_code == 422
    assert round1_entry(world) is None
    empty = api_as("officer_a1").post(
        f"appraisal-entries/{world['flagged']['A1'].pk}/explanation", {"text": ""}
    )
    assert empty.status_code == 422
    assert empty.json()["detail"] == "Dữ liệu không hợp lệ."


def test_out_of_order_steps_answer_409(api_as, world):
    appraiser = api_as("appraiser_province")
    waiting = put(appraiser, entry_url(world, key="explanation_sheet"), {"points": "25"})
    assert waiting.status_code == 409
    assert waiting.json()["detail"] == "Bảng điểm này hiện không trong giai đoạn thẩm định."
    # explaining a leaf nobody flagged
    assert put(appraiser, entry_url(world), {"points": "25"}).status_code == 200
    unflagged = api_as("officer_a1").post(
        f"appraisal-entries/{round1_entry(world).pk}/explanation", {"text": "x"}
    )
    assert unflagged.status_code == 409
    assert unflagged.json()["detail"] == "Tiêu chí này không có yêu cầu giải trình."
    # sending explanations before writing them
    early = api_as("head_a1").post(
        f"sheets/{world['explanation_sheet']['A1'].pk}/appraisal/explanation/submit"
    )
    assert early.status_code == 409
    assert early.json()["detail"].startswith("Cần giải trình đủ các tiêu chí được yêu cầu trước khi gửi: 1.1")
    # starting the appraisal of a sheet whose self-assessment is still open
    draft = api_as("admin_user", language="en").post(f"sheets/{world['sheet']['A1'].pk}/appraisal/start")
    assert draft.status_code == 409
    assert draft.json()["detail"].startswith("Self-assessment is still open")
    # completing an appraised sheet again
    sheet = world["appraisal_sheet"]["A1"]
    assert appraiser.post(f"sheets/{sheet.pk}/appraisal/complete").json()["status"] == "appraised"
    twice = appraiser.post(f"sheets/{sheet.pk}/appraisal/complete")
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Bảng điểm này hiện không trong giai đoạn thẩm định."


def test_starting_the_appraisal_of_a_submitted_sheet(api_as, world):
    from parindex.assessments.models import Assessment

    sheet = world["appraisal_sheet"]["B1"]
    AppraisalSheet.objects.filter(assessment=sheet).delete()
    assert api_as("officer_b1").post(f"sheets/{sheet.pk}/appraisal/start").status_code == 403
    response = api_as("province_manager").post(f"sheets/{sheet.pk}/appraisal/start")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "round1" and response.json()["current_round"] == 1
    assert AppraisalSheet.objects.get(assessment=sheet).started_by == world["personas"]["province_manager"]
    assert Assessment.objects.get(pk=sheet.pk).status == "submitted"


def test_state_refusals_are_409_in_english_too_and_after_the_explanation_deadline(api_as, world):
    waiting = put(
        api_as("appraiser_province", language="en"),
        entry_url(world, key="explanation_sheet"),
        {"points": "25"},
    )
    assert waiting.status_code == 409
    assert waiting.json()["detail"] == "This sheet is not being appraised now."
    bounds = put(api_as("appraiser_province", language="en"), entry_url(world), {"points": "26"})
    assert bounds.status_code == 422
    assert bounds.json()["detail"] == "Points must be between 0 and 25."
    round_ = world["explanation_sheet"]["A1"].round
    round_.explanation_deadline = timezone.now() - dt.timedelta(hours=1)
    round_.save()
    late = api_as("officer_a1").post(
        f"appraisal-entries/{world['flagged']['A1'].pk}/explanation", {"text": "Muộn"}
    )
    assert late.status_code == 409
    assert late.json()["detail"] == "Đã quá hạn giải trình."
    assert not Explanation.objects.exists()


def test_refusals_carry_their_code_state_for_409_invalid_for_422(api_as, world):
    appraiser = api_as("appraiser_province")
    waiting = put(appraiser, entry_url(world, key="explanation_sheet"), {"points": "25"})
    assert (waiting.status_code, waiting.json()["code"]) == (409, "state")
    bounds = put(appraiser, entry_url(world), {"points": "26"})
    assert (bounds.status_code, bounds.json()["code"]) == (422, "invalid")
    sheet = world["appraisal_sheet"]["A1"]
    assert appraiser.post(f"sheets/{sheet.pk}/appraisal/complete").status_code == 200
    twice = appraiser.post(f"sheets/{sheet.pk}/appraisal/complete")
    assert (twice.status_code, twice.json()["code"]) == (409, "state")
    empty = api_as("officer_a1").post(
        f"appraisal-entries/{world['flagged']['A1'].pk}/explanation", {"text": " "}
    )
    assert empty.status_code == 422
    assert not Explanation.objects.exists()
