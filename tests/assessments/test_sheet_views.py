"""The score sheet through the web: rendering, HTMX saves, evidence, submission."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.assessments.models import Assessment
from tests.assessments.factories import PDF_BYTES, score_of

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def save_url(sheet, score):
    return reverse("assessments:save_score", args=[sheet.pk, score.pk])


def test_officer_sees_the_criteria_tree_with_survey_leaf_not_editable(client_for, officer_a1, sheet_a1):
    response = client_for(officer_a1).get(reverse("assessments:sheet", args=[sheet_a1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ban hành kế hoạch CCHC năm" in html
    assert 'data-testid="from-survey"' in html
    survey = score_of(sheet_a1, "2.4")
    assert f'action="{save_url(sheet_a1, survey)}"' not in html


def test_htmx_save_returns_row_and_updated_totals(client_for, officer_a1, sheet_a1):
    score = score_of(sheet_a1, "1.3")
    response = client_for(officer_a1).post(
        save_url(sheet_a1, score),
        {"version": score.version, "in_numerator": "3", "in_denominator": "4"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="leaf-{score.pk}"' in html
    assert 'id="sheet-progress"' in html and 'hx-swap-oob="true"' in html
    assert "3,75" in html
    area = score.criterion.area_id
    assert f'<span id="total-{area}" hx-swap-oob="true">3,75</span>' in html
    score.refresh_from_db()
    assert score.self_points == Decimal("3.75")
    assert score.version == 2


def test_upload_pdf_evidence_through_the_sheet_gives_generated_name(client_for, officer_a1, sheet_a1):
    from django.core.files.uploadedfile import SimpleUploadedFile

    score = score_of(sheet_a1, "1.1")
    url = reverse("assessments:add_evidence", args=[sheet_a1.pk, score.pk])
    response = client_for(officer_a1).post(
        url,
        {
            "kind": "upload",
            "short_name": "Kế hoạch CCHC 2023",
            "page_ref": "tr. 2",
            "file": SimpleUploadedFile("kế hoạch.pdf", PDF_BYTES, "application/pdf"),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Xa Yen Thuong-1.1-Ke hoach CCHC 2023.pdf" in response.content.decode()
    link = score.evidence_links.get()
    assert link.evidence.file.name.startswith(f"evidence/{sheet_a1.unit_id}/2023/")


def test_head_submits_after_confirmation_and_manager_sees_it(
    client_for, head_a1, district_manager_a, sheet_a1, round_a
):
    c = client_for(head_a1)
    page = c.get(reverse("assessments:submit", args=[sheet_a1.pk]))
    assert page.status_code == 200
    assert 'data-testid="empty-leaves"' in page.content.decode()
    response = c.post(reverse("assessments:submit", args=[sheet_a1.pk]))
    assert response.status_code == 302
    sheet_a1.refresh_from_db()
    assert sheet_a1.status == Assessment.Status.SUBMITTED
    progress = client_for(district_manager_a).get(reverse("assessments:round_progress", args=[round_a.pk]))
    assert 'data-status="submitted"' in progress.content.decode()


def test_survey_results_show_beside_the_survey_leaf_but_not_in_the_self_total(client_for, officer_a1, sheet_a1):
    from parindex.appraisals.models import SurveyScore

    survey = score_of(sheet_a1, "2.4")
    url = reverse("assessments:sheet", args=[sheet_a1.pk])
    before = client_for(officer_a1).get(url).content.decode()
    SurveyScore.objects.create(
        round=sheet_a1.round, unit=sheet_a1.unit, criterion=survey.criterion, percent=Decimal("75"),
        points=survey.max_points * Decimal("0.75"),
    )
    html = client_for(officer_a1).get(url).content.decode()
    expected = f'data-testid="survey-points">{str(survey.max_points * Decimal("0.75")).rstrip("0").rstrip(".").replace(".", ",")}<'
    assert expected in html
    assert 'data-testid="survey-points">—<' in before
    survey.refresh_from_db()
    assert survey.self_points is None  # never self-scored
