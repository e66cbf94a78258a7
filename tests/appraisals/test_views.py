"""Appraisal pages through the test client: permission matrix, the full flow by POST, query counts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from parindex.appraisals.models import AppraisalEntry, AppraisalSheet
from tests.appraisals.helpers import leaves, make_framework, make_round

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"], tree["A2"], tree["B1"]])
    return {"fw": fw, "round": rnd, "a1": rnd.assessments.get(unit=tree["A1"]), **personas, **tree}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer_a1", 200), ("head_a1", 200), ("officer_a2", 404), ("officer_b1", 404), ("viewer_province", 404),
        ("district_manager_a", 200), ("appraiser_province", 200), ("province_manager", 200), ("admin_user", 200),
    ],
)
def test_sheet_page_permission_matrix(data, persona, expected):
    assert client_for(data[persona]).get(reverse("appraisals:sheet", args=[data["a1"].pk])).status_code == expected


@pytest.mark.parametrize(
    ("persona", "starts"),
    [("officer_a1", False), ("head_a1", False), ("officer_a2", False), ("appraiser_province", True),
     ("district_manager_a", True), ("province_manager", True)],
)
def test_only_the_appraisal_side_starts_appraisal(data, persona, starts):
    response = client_for(data[persona]).post(reverse("appraisals:start", args=[data["a1"].pk]))
    assert response.status_code in (302, 403, 404)
    assert AppraisalSheet.objects.filter(assessment=data["a1"]).exists() == starts


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("officer_a1", 200), ("officer_b1", 200), ("viewer_province", 200), ("appraiser_province", 200), ("province_manager", 200)],
)
def test_round_page_permission_matrix(data, persona, expected):
    assert client_for(data[persona]).get(reverse("appraisals:round", args=[data["round"].pk])).status_code == expected


def test_round_page_lists_only_visible_sheets(data):
    response = client_for(data["officer_a1"]).get(reverse("appraisals:round", args=[data["round"].pk]))
    assert [s.unit.code for s in response.context["sheets"]] == ["A1"]
    assert client_for(data["officer_a1"]).get(reverse("appraisals:rounds")).status_code == 200


def test_full_flow_through_the_pages(data):
    appraiser, officer = client_for(data["appraiser_province"]), client_for(data["officer_a1"])
    sheet_id = data["a1"].pk
    ls = leaves(data["fw"])
    appraiser.post(reverse("appraisals:start", args=[sheet_id]))
    # lowering without a reason is refused with the Vietnamese message
    response = appraiser.post(reverse("appraisals:appraise", args=[sheet_id, ls[0].pk]), {"points": "20"}, follow=True)
    assert "Ghi lý do" in response.content.decode()
    appraiser.post(reverse("appraisals:appraise", args=[sheet_id, ls[0].pk]), {"points": "20", "reason": "Thiếu TLKC"})
    appraiser.post(reverse("appraisals:appraise", args=[sheet_id, ls[1].pk]),
                   {"points": "12,5", "reason": "Chưa đủ", "flag": "1", "comment": "Bổ sung quyết định"})
    appraiser.post(reverse("appraisals:complete", args=[sheet_id]))
    sheet = AppraisalSheet.objects.get(assessment=data["a1"])
    assert sheet.status == "explanation"
    page = officer.get(reverse("appraisals:sheet", args=[sheet_id])).content.decode()
    assert "Bổ sung quyết định" in page and 'data-testid="explanation-panel"' in page
    entry = AppraisalEntry.objects.get(sheet=sheet, explanation_requested=True)
    pdf = SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")
    officer.post(reverse("appraisals:explain", args=[sheet_id, entry.pk]),
                 {"text": "Đã ban hành QĐ 12", "file": pdf, "short_name": "QD 12"})
    officer.post(reverse("appraisals:submit_explanation", args=[sheet_id]))
    sheet.refresh_from_db()
    assert sheet.status == "round2"
    appraiser.post(reverse("appraisals:appraise", args=[sheet_id, ls[1].pk]), {"points": "25"})
    appraiser.post(reverse("appraisals:complete", args=[sheet_id]))
    sheet.refresh_from_db()
    assert sheet.status == "appraised"
    assert AppraisalEntry.objects.get(sheet=sheet, criterion=ls[1], round_number=2).points == D(25)


def test_unit_cannot_post_appraisal_points(data):
    client_for(data["appraiser_province"]).post(reverse("appraisals:start", args=[data["a1"].pk]))
    response = client_for(data["officer_a1"]).post(
        reverse("appraisals:appraise", args=[data["a1"].pk, leaves(data["fw"])[0].pk]), {"points": "0", "reason": "x"})
    assert response.status_code == 403
    assert not AppraisalEntry.objects.exists()


def test_sheet_page_query_count_does_not_grow_with_units(tree, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parindex.appraisals import actions
    from parindex.units.models import Unit

    c = client_for(personas["appraiser_province"])
    counts = []
    for n in (2, 2, 10):
        units = [Unit.objects.create(code=f"S{n}-{i}-{len(counts)}", name=f"Xã {i}", kind="commune", parent=tree["DA"])
                 for i in range(n)]
        fw = make_framework(tree["P"], name=f"Bộ {len(counts)}")
        rnd = make_round(fw, tree["P"], units)
        sheet = rnd.assessments.first()
        actions.start_appraisal(assessment=sheet, by=personas["appraiser_province"])
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("appraisals:sheet", args=[sheet.pk])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2]


def test_viewer_sees_the_round_but_no_sheet(data):
    response = client_for(data["viewer_province"]).get(reverse("appraisals:round", args=[data["round"].pk]))
    assert response.context["sheets"] == []


def test_manager_assigns_an_area_appraiser_through_the_round_page(data, tree):
    from parindex.appraisals.models import AppraiserAssignment

    area = data["fw"].areas().first()
    url = reverse("appraisals:assign", args=[data["round"].pk])
    client_for(data["province_manager"]).post(url, {"appraiser": data["appraiser_province"].pk, "area": area.pk})
    assert AppraiserAssignment.objects.filter(unit__isnull=True, area=area).count() == 1
    response = client_for(data["appraiser_province"]).post(url, {"appraiser": data["appraiser_province"].pk,
                                                                   "unit": tree["A1"].pk})
    assert response.status_code == 403
    assert AppraiserAssignment.objects.count() == 1


def test_home_panels_show_what_to_do_now(data):
    from parindex.appraisals import actions

    home = client_for(data["appraiser_province"]).get(reverse("home")).content.decode()
    assert 'data-testid="panel-appraisal"' in home and "3 bảng điểm chưa thẩm định xong" in home
    sheet = actions.start_appraisal(assessment=data["a1"], by=data["appraiser_province"])
    actions.appraise_leaf(sheet=sheet, criterion=leaves(data["fw"])[0], points=D(10), reason="r", flag=True,
                          comment="Bổ sung", by=data["appraiser_province"])
    actions.complete_round(sheet=sheet, by=data["appraiser_province"])
    unit_home = client_for(data["officer_a1"]).get(reverse("home")).content.decode()
    assert 'data-testid="panel-explanations"' in unit_home
    assert 'data-testid="panel-explanations"' not in client_for(data["officer_a2"]).get(reverse("home")).content.decode()


def test_sheet_page_links_evidence_for_the_appraiser(data):
    from tests.appraisals.helpers import attach_evidence

    score = data["a1"].scores.order_by("criterion__sort_key").first()
    evidence = attach_evidence(score, name="QĐ 05")
    page = client_for(data["appraiser_province"])
    page.post(reverse("appraisals:start", args=[data["a1"].pk]))
    text = page.get(reverse("appraisals:sheet", args=[data["a1"].pk])).content.decode()
    assert evidence.display_name in text


POST_VIEWS = ["complete", "submit_explanation", "adjustment"]


@pytest.mark.parametrize("view", POST_VIEWS + ["accept_area", "explain", "appraise"])
@pytest.mark.parametrize(("persona", "expected"), [("officer_a2", 404), ("officer_b1", 404), ("viewer_province", 404)])
def test_post_steps_answer_404_to_other_units(data, view, persona, expected):
    from parindex.appraisals import actions

    sheet = actions.start_appraisal(assessment=data["a1"], by=data["appraiser_province"])
    entry = actions.appraise_leaf(sheet=sheet, criterion=leaves(data["fw"])[0], points=D(1), reason="r", flag=True,
                                  comment="c", by=data["appraiser_province"])
    args = {
        "accept_area": [data["a1"].pk, data["fw"].areas().first().pk],
        "explain": [data["a1"].pk, entry.pk],
        "appraise": [data["a1"].pk, leaves(data["fw"])[1].pk],
    }.get(view, [data["a1"].pk])
    response = client_for(data[persona]).post(reverse(f"appraisals:{view}", args=args),
                                              {"text": "x", "points": "1", "reason": "x", "kind": "bonus"})
    assert response.status_code == expected
    sheet.refresh_from_db()
    assert sheet.status == "round1"


@pytest.mark.parametrize("view", ["complete", "adjustment", "accept_area"])
def test_the_unit_itself_cannot_use_appraiser_steps(data, view):
    from parindex.appraisals import actions
    from parindex.appraisals.models import Adjustment

    actions.start_appraisal(assessment=data["a1"], by=data["appraiser_province"])
    args = [data["a1"].pk, data["fw"].areas().first().pk] if view == "accept_area" else [data["a1"].pk]
    response = client_for(data["head_a1"]).post(reverse(f"appraisals:{view}", args=args),
                                                {"points": "1", "reason": "x", "kind": "bonus"})
    assert response.status_code == 403
    assert not Adjustment.objects.exists() and not AppraisalEntry.objects.exists()


@pytest.mark.parametrize(("persona", "expected"), [("appraiser_province", 403), ("officer_a1", 403), ("officer_b1", 403)])
def test_only_round_managers_open_the_phase_import_surveys_and_assign(data, persona, expected):
    rnd = data["round"]
    rnd.status = "open"
    rnd.save()
    c = client_for(data[persona])
    assert c.post(reverse("appraisals:open_phase", args=[rnd.pk])).status_code == expected
    rnd.refresh_from_db()
    assert rnd.status == "open"
    assert c.post(reverse("appraisals:assign", args=[rnd.pk]), {"appraiser": data["appraiser_province"].pk,
                                                                 "unit": data["A1"].pk}).status_code == expected


def test_appraisal_table_downloads_as_xlsx(data):
    c = client_for(data["appraiser_province"])
    c.post(reverse("appraisals:start", args=[data["a1"].pk]))
    response = c.get(reverse("appraisals:sheet", args=[data["a1"].pk]) + "?format=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert "attachment" in response["Content-Disposition"]


def test_round_sheets_download_as_xlsx(data):
    response = client_for(data["province_manager"]).get(reverse("appraisals:round", args=[data["round"].pk]) + "?format=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_bonus_with_an_uploaded_evidence_file(data):
    from parindex.appraisals.models import Adjustment

    c = client_for(data["appraiser_province"])
    c.post(reverse("appraisals:start", args=[data["a1"].pk]))
    pdf = SimpleUploadedFile("bk.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")
    c.post(reverse("appraisals:adjustment", args=[data["a1"].pk]),
           {"kind": "bonus", "points": "0,5", "reason": "Bằng khen của Thủ tướng", "file": pdf})
    adjustment = Adjustment.objects.get()
    assert adjustment.points == D("0.5") and adjustment.evidence is not None
    assert adjustment.evidence.unit_id == data["A1"].pk


def test_survey_upload_page_reports_row_errors_in_vietnamese(data):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"])
    wb.active.append(["A1", "9.9", "50"])
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("s.xlsx", buf.getvalue())
    response = client_for(data["province_manager"]).post(
        reverse("appraisals:survey_upload", args=[data["round"].pk]), {"file": upload}, follow=True)
    assert "Dòng 2" in response.content.decode() and "không phải là tiêu chí" in response.content.decode()


def test_htmx_save_returns_only_the_row_with_its_error_or_confirmation(data):
    c = client_for(data["appraiser_province"])
    c.post(reverse("appraisals:start", args=[data["a1"].pk]))
    leaf = leaves(data["fw"])[0]
    url = reverse("appraisals:appraise", args=[data["a1"].pk, leaf.pk])
    response = c.post(url, {"points": "20"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and text.strip().startswith("<tr") and "Ghi lý do" in text
    response = c.post(url, {"points": "20", "reason": "Thiếu TLKC"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="row-saved"' in response.content.decode() and ">20<" in response.content.decode()
