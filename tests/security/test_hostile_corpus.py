"""Issue 24, finding 3: every file of the hostile corpus is refused where users upload files —
the evidence page, the evidence API, the template upload and the spreadsheet imports — with
its message in Vietnamese and nothing stored; every legitimate file of each type still goes in."""

from __future__ import annotations

import functools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from parindex.assessments.models import Evidence
from parindex.core.spreadsheets import Column, SpreadsheetError, read_table
from parindex.documents.models import DocumentTemplate
from tests.assessments.factories import make_framework, open_test_round, score_of
from tests.security import hostile

pytestmark = pytest.mark.django_db


@functools.cache
def content(sample: hostile.Sample) -> bytes:
    return sample.make()


@pytest.fixture
def leaf(tree, district_manager_a):
    sheet = open_test_round(make_framework(tree["P"]), district_manager_a, tree["DA"]).assessments.get(
        unit=tree["A1"]
    )
    return sheet, score_of(sheet, "1.1")


def upload_on_the_page(user, leaf, sample):
    sheet, score = leaf
    client = Client()
    client.force_login(user)
    return client.post(
        reverse("assessments:add_evidence", args=[sheet.pk, score.pk]),
        {
            "kind": "upload",
            "short_name": "Tài liệu",
            "file": SimpleUploadedFile(sample.filename, content(sample)),
        },
        HTTP_HX_REQUEST="true",
    )


def upload_through_the_api(user, leaf, sample):
    from parindex.api.actions import create_token

    sheet, score = leaf
    token = create_token(user=user, name="corpus")[1]
    return Client().post(
        f"/api/v1/sheets/{sheet.pk}/scores/{score.pk}/evidence",
        {"short_name": "Tài liệu", "file": SimpleUploadedFile(sample.filename, content(sample))},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "vi"},
    )


HOSTILE = [pytest.param(sample, id=sample.id) for sample in hostile.HOSTILE]
LEGITIMATE = [pytest.param(sample, id=sample.id) for sample in hostile.LEGITIMATE]


@pytest.mark.parametrize("sample", HOSTILE)
def test_a_hostile_file_is_refused_on_the_evidence_page_with_its_message(officer_a1, leaf, sample):
    response = upload_on_the_page(officer_a1, leaf, sample)

    assert response.status_code == 200
    assert sample.message in response.content.decode().lower()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("sample", HOSTILE)
def test_a_hostile_file_is_refused_by_the_evidence_api_with_its_message(officer_a1, leaf, sample):
    response = upload_through_the_api(officer_a1, leaf, sample)

    assert response.status_code == 422, response.content
    assert sample.message in response.json()["detail"].lower()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("sample", LEGITIMATE)
def test_a_legitimate_file_is_accepted_on_the_page_and_through_the_api(officer_a1, leaf, sample):
    page = upload_on_the_page(officer_a1, leaf, sample)
    assert "Đã thêm tài liệu kiểm chứng" in page.content.decode(), page.content.decode()[:2000]

    api = upload_through_the_api(officer_a1, leaf, sample)
    assert api.status_code == 201, api.content
    assert Evidence.objects.count() == 2


@pytest.mark.parametrize("sample", [p for p in HOSTILE if p.values[0].docx])
def test_a_hostile_word_file_is_refused_as_a_document_template(client, district_manager_a, tree, sample):
    client.force_login(district_manager_a)
    response = client.post(
        "/documents/templates/upload/",
        {
            "kind": "request_letter",
            "owner_unit": tree["DA"].pk,
            "file": SimpleUploadedFile("mau.docx", content(sample)),
        },
    )

    assert response.status_code == 400
    page = response.content.decode().lower()
    expected = sample.message
    # The template screen words some refusals its own way ("Không chấp nhận tệp có macro").
    assert expected in page or (expected == hostile.DAMAGED and "không phải tệp word" in page), page[-3000:]
    assert not DocumentTemplate.objects.exists()


def test_a_spreadsheet_bomb_with_lying_headers_is_refused_by_the_imports_before_parsing():
    with pytest.raises(SpreadsheetError) as refused:
        read_table(hostile.xlsx_bomb_with_lying_headers(), [Column("code", ("Mã",))])

    assert "dung lượng bất thường" in str(refused.value)


def test_a_spreadsheet_carrying_a_renamed_vba_project_is_refused_by_the_imports():
    with pytest.raises(SpreadsheetError) as refused:
        read_table(hostile.xlsx_with_renamed_vba_project(), [Column("code", ("Mã",))])

    assert "macro" in str(refused.value)


def test_the_markup_scan_reads_a_large_image_quickly_and_without_false_alarms():
    """Compressed image data is near-random: the scan must not take it for markup, nor crawl."""
    import io
    import random
    import time

    from parindex.core.filecheck import find_active_content

    noise = io.BytesIO(samples_png_with(random.Random(24).randbytes(20 * 1024 * 1024)))
    started = time.monotonic()
    assert not find_active_content(noise)
    assert time.monotonic() - started < 10  # ~0.5 s on one core; generous for a shared CI machine


def samples_png_with(data: bytes) -> bytes:
    from tests.deploy import samples

    return samples.png(trailer=data)
