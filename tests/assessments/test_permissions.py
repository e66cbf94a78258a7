"""Permission matrix: persona × page of commune A1's sheet → 200 / 403 / 404 as designed.

Another unit's data answers 404 (ids cannot be probed); a visible page whose action the
persona may not take answers 403.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from parindex.assessments import actions
from parindex.assessments.evidence import content_bytes
from tests.assessments.factories import PDF_BYTES, score_of

pytestmark = pytest.mark.django_db

SEE_A1 = {
    "officer_a1": 200,
    "head_a1": 200,
    "district_manager_a": 200,
    "appraiser_province": 200,
    "province_manager": 200,
    "admin_user": 200,
    "officer_a2": 404,
    "officer_b1": 404,
    "viewer_province": 404,
}


@pytest.fixture
def evidence(sheet_a1, officer_a1):
    return actions.upload_evidence(
        score=score_of(sheet_a1, "1.1"),
        by=officer_a1,
        uploaded_file=content_bytes(PDF_BYTES, "a.pdf"),
        short_name="Kế hoạch",
    )


def pages(sheet, evidence):
    return {
        "sheet": reverse("assessments:sheet", args=[sheet.pk]),
        "evidence": reverse("assessments:evidence_download", args=[evidence.pk]),
        "zip": reverse("assessments:evidence_zip", args=[sheet.pk]),
        "offline": reverse("assessments:offline_download", args=[sheet.pk]),
        "summary_xlsx": reverse("assessments:summary_xlsx", args=[sheet.pk]),
        "summary_docx": reverse("assessments:summary_docx", args=[sheet.pk]),
        "assignments": reverse("assessments:assignments", args=[sheet.pk]),
        "upload": reverse("assessments:offline_upload", args=[sheet.pk]),
    }


@pytest.mark.parametrize("persona", sorted(SEE_A1))
@pytest.mark.parametrize(
    "page", ["sheet", "evidence", "zip", "offline", "summary_xlsx", "summary_docx", "assignments", "upload"]
)
def test_read_pages_of_a1s_sheet(client, personas, sheet_a1, evidence, persona, page):
    client.force_login(personas[persona])
    assert client.get(pages(sheet_a1, evidence)[page]).status_code == SEE_A1[persona]


SUBMIT = {
    "head_a1": 200,
    "admin_user": 200,
    "officer_a1": 403,
    "district_manager_a": 403,
    "province_manager": 403,
    "appraiser_province": 403,
    "officer_a2": 404,
    "officer_b1": 404,
    "viewer_province": 404,
}
REOPEN = {
    "district_manager_a": 200,
    "province_manager": 200,
    "admin_user": 200,
    "officer_a1": 403,
    "head_a1": 403,
    "appraiser_province": 403,
    "officer_a2": 404,
    "officer_b1": 404,
    "viewer_province": 404,
}


@pytest.mark.parametrize("persona", sorted(SUBMIT))
def test_submit_page_is_for_the_unit_head(client, personas, sheet_a1, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("assessments:submit", args=[sheet_a1.pk])).status_code == SUBMIT[persona]


@pytest.mark.parametrize("persona", sorted(REOPEN))
def test_reopen_page_is_for_index_managers_above_the_unit(client, personas, sheet_a1, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("assessments:reopen", args=[sheet_a1.pk])).status_code == REOPEN[persona]


@pytest.mark.parametrize(
    ("persona", "saved"),
    [
        ("officer_a1", True),
        ("head_a1", True),
        ("admin_user", True),
        ("district_manager_a", False),
        ("appraiser_province", False),
        ("officer_a2", None),
        ("viewer_province", None),
    ],
)
def test_who_may_save_a_leaf(client, personas, sheet_a1, persona, saved):
    leaf = score_of(sheet_a1, "1.1")
    client.force_login(personas[persona])
    response = client.post(
        reverse("assessments:save_score", args=[sheet_a1.pk, leaf.pk]),
        {"version": 1, "in_value": "1"},
        HTTP_HX_REQUEST="true",
    )
    leaf.refresh_from_db()
    if saved is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert (leaf.version == 2) is saved
        if not saved:
            assert "Bạn không được sửa tiêu chí này." in response.content.decode()


ROUND_PAGE = {
    "district_manager_a": 200,
    "province_manager": 200,
    "admin_user": 200,
    "appraiser_province": 200,
    "officer_a1": 200,
    "head_a1": 200,
    "officer_a2": 200,
    "officer_b1": 404,
    "viewer_province": 404,
}


@pytest.mark.parametrize("persona", sorted(ROUND_PAGE))
def test_round_progress_shows_only_visible_sheets(client, personas, round_a, persona):
    client.force_login(personas[persona])
    response = client.get(reverse("assessments:round_progress", args=[round_a.pk]))
    assert response.status_code == ROUND_PAGE[persona]
    if persona == "officer_a2":
        html = response.content.decode()
        assert "Xã Bằng Lãng" in html and "Xã Yên Thượng" not in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [("district_manager_a", 200), ("province_manager", 200), ("officer_a1", 403), ("head_a1", 403)],
)
def test_only_index_managers_open_rounds(client, personas, persona, status, framework):
    client.force_login(personas[persona])
    assert client.get(reverse("assessments:round_create")).status_code == status


def test_a_manager_opens_a_round_through_the_form(client, district_manager_a, framework, tree):
    client.force_login(district_manager_a)
    response = client.post(
        reverse("assessments:round_create"),
        {
            "name": "Tự chấm điểm lần 1 năm 2023",
            "year": 2023,
            "framework": framework.pk,
            "owner_unit": tree["DA"].pk,
            "self_deadline": "2099-11-30T10:00",
            "evidence_name_template": "{unit}-{code}-{short}",
        },
    )
    assert response.status_code == 302
    progress = client.get(response["Location"]).content.decode()
    assert "Xã Yên Thượng" in progress and "Xã Bằng Lãng" in progress


def test_the_officer_of_another_commune_gets_404_on_sheet_evidence_and_zip(
    client, officer_a2, sheet_a1, evidence
):
    client.force_login(officer_a2)
    for url in pages(sheet_a1, evidence).values():
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer_a1", 200),
        ("officer_a2", 404),
        ("officer_b1", 404),
        ("viewer_province", 404),
        ("district_manager_a", 200),
    ],
)
def test_adding_and_removing_evidence_on_a1s_sheet(client, personas, sheet_a1, evidence, persona, status):
    leaf = score_of(sheet_a1, "1.2")
    link = evidence.links.get()
    client.force_login(personas[persona])
    add = client.post(
        reverse("assessments:add_evidence", args=[sheet_a1.pk, leaf.pk]),
        {"kind": "reference", "short_name": "Quyết định", "doc_number": "1/QĐ"},
        HTTP_HX_REQUEST="true",
    )
    detach = client.post(
        reverse("assessments:detach_evidence", args=[sheet_a1.pk, link.pk]), HTTP_HX_REQUEST="true"
    )
    assert (add.status_code, detach.status_code) == (status, status)
    allowed = persona == "officer_a1"
    assert leaf.evidence_links.exists() is allowed
    assert evidence.links.exists() is not allowed
    if persona == "district_manager_a":
        assert "Bạn không được sửa tiêu chí này." in add.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("head_a1", 302), ("officer_a1", 403), ("officer_a2", 404), ("district_manager_a", 403)],
)
def test_withdrawal_is_for_the_unit_head(client, personas, sheet_a1, head_a1, persona, status):
    actions.submit_assessment(assessment=sheet_a1, by=head_a1)
    client.force_login(personas[persona])
    assert client.post(reverse("assessments:withdraw", args=[sheet_a1.pk])).status_code == status
    sheet_a1.refresh_from_db()
    assert (sheet_a1.status == "draft") is (status == 302)


@pytest.mark.parametrize("persona", sorted(SEE_A1))
@pytest.mark.parametrize("page", ["assessments:index", "assessments:todo"])
def test_lists_answer_everyone_with_only_their_own_sheets(client, personas, sheet_a1, persona, page):
    client.force_login(personas[persona])
    response = client.get(reverse(page))
    assert response.status_code == 200
    if page == "assessments:index":
        assert (f'href="/assessments/sheets/{sheet_a1.pk}/"' in response.content.decode()) is (
            persona in ("officer_a1", "head_a1")  # the list shows the sheets of one's own units
        )
