"""Background jobs of self-assessment: the evidence ZIP of a sheet, the large round exports.

Jobs run inline here (tests/conftest.py) except in the ``worker_queue`` tests, which go
through django-tasks' database queue and ``parindex worker --once`` as production does.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from parindex.assessments import actions, exports, views
from parindex.assessments.evidence import write_sheet_zip
from parindex.assessments.selectors import zip_entries
from parindex.core.jobs import start_user_job
from parindex.requests.models import Notification, UserJob
from tests.assessments.factories import PDF_BYTES, PNG_BYTES, score_of

pytestmark = pytest.mark.django_db

ZIP_NAME = "Xa Yen Thuong-TLKC-Tu cham diem lan 1 nam 2023.zip"
CONTENTS = "Muc luc tai lieu kiem chung.xlsx"


def add_evidence(sheet, officer):
    """A PDF on 1.1 reused on 2.1, a PNG on 1.2, and a cited decision without a file on 2.1."""
    pdf = actions.upload_evidence(
        score=score_of(sheet, "1.1"),
        by=officer,
        uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES),
        short_name="Kế hoạch",
    )
    actions.attach_evidence(score=score_of(sheet, "2.1"), evidence=pdf, by=officer)
    actions.upload_evidence(
        score=score_of(sheet, "1.2"),
        by=officer,
        uploaded_file=SimpleUploadedFile("b.png", PNG_BYTES),
        short_name="Ảnh chụp",
    )
    actions.add_reference(
        score=score_of(sheet, "2.1"), by=officer, short_name="Quyết định", doc_number="12/QĐ-UBND"
    )


EXPECTED_FILES = {
    "1.1/Xa Yen Thuong-1.1-Ke hoach.pdf": PDF_BYTES,
    "1.2/Xa Yen Thuong-1.2-Anh chup.png": PNG_BYTES,
    "2.1/Xa Yen Thuong-1.1-Ke hoach.pdf": PDF_BYTES,
}


def contents_rows(archive: zipfile.ZipFile) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(archive.read(CONTENTS))).active
    return [row[:5] for row in sheet.iter_rows(min_row=4, values_only=True)]


def downloaded_zip(client, job) -> zipfile.ZipFile:
    response = client.get(reverse("requests:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response.streaming, "the result file is streamed from storage"
    assert ZIP_NAME in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def direct_zip(client, sheet) -> zipfile.ZipFile:
    response = client.get(reverse("assessments:evidence_zip", args=[sheet.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_sheet_button_prepares_the_zip_in_the_background_with_the_same_contents(
    client, sheet_a1, officer_a1
):
    add_evidence(sheet_a1, officer_a1)
    client.force_login(officer_a1)
    page = client.get(reverse("assessments:sheet", args=[sheet_a1.pk])).content.decode()
    form = f'<form method="post" action="{reverse("assessments:evidence_zip", args=[sheet_a1.pk])}">'
    assert form in page and 'data-testid="evidence-zip"' in page

    response = client.post(reverse("assessments:evidence_zip", args=[sheet_a1.pk]))
    job = UserJob.objects.get(user=officer_a1)
    assert response.status_code == 302 and response["Location"] == reverse(
        "requests:job_status", args=[job.pk]
    )
    assert job.status == UserJob.Status.SUCCEEDED, job.error
    assert (job.done, job.total) == (3, 3)  # one step per file added
    assert job.result_name == ZIP_NAME and job.back_url == reverse("assessments:sheet", args=[sheet_a1.pk])
    assert "3 tệp" in job.message
    assert Notification.objects.get(user=officer_a1).level == "success"

    archive = downloaded_zip(client, job)
    assert sorted(archive.namelist()) == sorted([*EXPECTED_FILES, CONTENTS])
    for name, data in EXPECTED_FILES.items():
        assert archive.read(name) == data
    rows = contents_rows(archive)
    assert [row[0] for row in rows] == ["1.1", "1.2", "2.1", "2.1"]
    assert ("2.1", "Sáng kiến cải cách", "(không có tệp)", "Quyết định", "12/QĐ-UBND") in rows
    # The same ZIP as the direct download of a small sheet (what the page gave before).
    today = direct_zip(client, sheet_a1)
    assert sorted(today.namelist()) == sorted(archive.namelist())
    assert contents_rows(today) == rows
    assert all(today.read(name) == archive.read(name) for name in EXPECTED_FILES)


def test_write_sheet_zip_reports_each_file_added_and_writes_into_the_given_file(
    sheet_a1, officer_a1, tmp_path
):
    add_evidence(sheet_a1, officer_a1)
    files, rows = zip_entries(sheet_a1)
    calls = []
    with open(tmp_path / "out.zip", "w+b") as target:
        returned = write_sheet_zip(
            files,
            b"xlsx",
            target=target,
            progress=lambda done, total, name: calls.append((done, total, name)),
        )
        assert returned is target and target.tell() == 0
        names = zipfile.ZipFile(target).namelist()
    assert calls == [
        (1, 3, "1.1/Xa Yen Thuong-1.1-Ke hoach.pdf"),
        (2, 3, "1.2/Xa Yen Thuong-1.2-Anh chup.png"),
        (3, 3, "2.1/Xa Yen Thuong-1.1-Ke hoach.pdf"),
    ]
    assert sorted(names) == sorted([*EXPECTED_FILES, CONTENTS])


def test_a_sheet_without_evidence_gets_a_message_at_once_and_no_job(client, sheet_a1, officer_a1):
    client.force_login(officer_a1)
    response = client.post(reverse("assessments:evidence_zip", args=[sheet_a1.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("assessments:sheet", args=[sheet_a1.pk])
    assert "Phiếu chấm điểm này chưa có tài liệu kiểm chứng nào" in response.content.decode()
    assert not UserJob.objects.exists()


def test_another_units_user_can_neither_start_the_zip_nor_download_it(
    client, sheet_a1, officer_a1, officer_a2
):
    add_evidence(sheet_a1, officer_a1)
    client.force_login(officer_a1)
    client.post(reverse("assessments:evidence_zip", args=[sheet_a1.pk]))
    job = UserJob.objects.get(user=officer_a1)

    client.force_login(officer_a2)
    assert client.post(reverse("assessments:evidence_zip", args=[sheet_a1.pk])).status_code == 404
    assert client.get(reverse("assessments:evidence_zip", args=[sheet_a1.pk])).status_code == 404
    assert client.get(reverse("requests:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("requests:job_status", args=[job.pk])).status_code == 404
    assert UserJob.objects.filter(user=officer_a2).count() == 0


def test_the_job_checks_visibility_again_on_the_worker(sheet_a1, officer_a1, officer_a2):
    """kwargs are not trusted: a job for a sheet the user cannot see fails without a file."""
    add_evidence(sheet_a1, officer_a1)
    job = start_user_job(
        user=officer_a2,
        label="ZIP",
        func_path="parindex.assessments.jobs.evidence_zip",
        kwargs={"sheet_id": sheet_a1.pk},
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and not job.result_file
    assert "không có quyền xem" in job.error


def test_a_get_streams_small_sheets_and_asks_before_preparing_a_large_one(
    client, sheet_a1, officer_a1, monkeypatch
):
    add_evidence(sheet_a1, officer_a1)
    client.force_login(officer_a1)
    assert sorted(direct_zip(client, sheet_a1).namelist()) == sorted([*EXPECTED_FILES, CONTENTS])

    monkeypatch.setattr(views, "ZIP_DIRECT_MAX_BYTES", len(PDF_BYTES))
    response = client.get(reverse("assessments:evidence_zip", args=[sheet_a1.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="zip-start"' in page
    assert "3 tệp" in page and "4 tài liệu kiểm chứng" in page
    assert not UserJob.objects.exists(), "a GET never starts a job"
    response = client.post(reverse("assessments:evidence_zip", args=[sheet_a1.pk]))
    assert UserJob.objects.get(user=officer_a1).status == UserJob.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_the_zip_job_runs_through_the_database_queue_and_the_worker(
    client, sheet_a1, officer_a1, worker_queue
):
    add_evidence(sheet_a1, officer_a1)
    client.force_login(officer_a1)
    client.post(reverse("assessments:evidence_zip", args=[sheet_a1.pk]))
    job = UserJob.objects.get(user=officer_a1)
    assert job.status == UserJob.Status.QUEUED and job.done == 0
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, job.error
    assert (job.done, job.total) == (3, 3)
    archive = downloaded_zip(client, job)
    assert {name: archive.read(name) for name in EXPECTED_FILES} == EXPECTED_FILES


# --- exports of a round ---------------------------------------------------------------------------


def score_some(sheet_a1, sheet_a2, officer_a1, officer_a2):
    actions.save_score(
        score=score_of(sheet_a1, "1.1"), by=officer_a1, expected_version=1, raw_inputs={"value": "1"}
    )
    actions.save_score(
        score=score_of(sheet_a1, "1.3"),
        by=officer_a1,
        expected_version=1,
        raw_inputs={"numerator": "1", "denominator": "2"},
    )
    actions.save_score(
        score=score_of(sheet_a1, "2.3"), by=officer_a1, expected_version=1, raw_inputs={"value": "1,5"}
    )
    actions.save_score(
        score=score_of(sheet_a2, "2.1"), by=officer_a2, expected_version=1, raw_inputs={"count": "2"}
    )


def table(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def result_rows(job) -> list[tuple]:
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, job.error
    with job.result_file.open("rb") as handle:
        return table(handle.read())


def test_points_by_area_of_a_small_round_download_directly_with_the_sheet_totals(
    client, round_a, sheet_a1, sheet_a2, officer_a1, officer_a2, district_manager_a
):
    score_some(sheet_a1, sheet_a2, officer_a1, officer_a2)
    client.force_login(district_manager_a)
    page = client.get(reverse("assessments:round_progress", args=[round_a.pk])).content.decode()
    assert 'data-testid="round-summary-xlsx"' in page and 'data-testid="progress-xlsx"' in page
    assert "progress-xlsx-job" not in page

    response = client.get(reverse("assessments:round_summary_xlsx", args=[round_a.pk]))
    assert "diem-theo-linh-vuc.xlsx" in response["Content-Disposition"]
    rows = table(response.content)
    assert rows[0][0] == "Điểm tự đánh giá theo lĩnh vực — Tự chấm điểm lần 1 năm 2023"
    header = rows[2]
    assert header[:4] == (
        "Đơn vị",
        "Trạng thái",
        "1. Công tác chỉ đạo, điều hành CCHC",
        "2. Cải cách thủ tục hành chính",
    )
    by_unit = {row[0]: row for row in rows[3:]}
    assert list(by_unit) == ["Xã Yên Thượng", "Xã Bằng Lãng"]
    # 1.1 = 2, 1.3 = 2.5, 2.3 = 1.5 on A1; 2.1 = 2 on A2 (same totals as the sheet page).
    assert by_unit["Xã Yên Thượng"][2:5] == (4.5, 1.5, 6)
    assert by_unit["Xã Bằng Lãng"][2:5] == (0, 2, 2)
    assert by_unit["Xã Yên Thượng"][6:8] == (3, 6)  # scored, leaves (the survey leaf is not self-scored)


@pytest.fixture
def large(monkeypatch):
    """Every round counts as large (more units than the threshold)."""
    monkeypatch.setattr(exports, "LARGE_ROUND_UNITS", 1)


def test_a_large_round_offers_its_exports_in_the_background_only(client, round_a, district_manager_a, large):
    client.force_login(district_manager_a)
    url = reverse("assessments:round_progress", args=[round_a.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="progress-xlsx-job"' in page and 'data-testid="round-summary-job"' in page
    assert "chuẩn bị tệp trong nền" in page
    assert 'data-testid="progress-xlsx"' not in page
    for direct in (url + "?format=xlsx", reverse("assessments:round_summary_xlsx", args=[round_a.pk])):
        response = client.get(direct, follow=True)
        assert response.redirect_chain[-1][0] == url
        assert "Đợt này có 2 đơn vị" in response.content.decode()
    assert not UserJob.objects.exists()


def test_the_progress_table_job_lists_every_unit(
    client, round_a, sheet_a1, sheet_a2, officer_a1, officer_a2, district_manager_a, large
):
    score_some(sheet_a1, sheet_a2, officer_a1, officer_a2)
    client.force_login(district_manager_a)
    response = client.post(reverse("assessments:round_export", args=[round_a.pk]), {"kind": "progress"})
    job = UserJob.objects.get(user=district_manager_a)
    assert response["Location"] == reverse("requests:job_status", args=[job.pk])
    rows = result_rows(job)
    assert [(row[0], row[2], row[3]) for row in rows[3:]] == [("Xã Yên Thượng", 3, 6), ("Xã Bằng Lãng", 1, 6)]
    assert (job.done, job.total) == (2, 2) and job.result_name.endswith("-tien-do.xlsx")
    assert job.back_url == reverse("assessments:round_progress", args=[round_a.pk])


def test_the_points_by_area_job_gives_each_user_only_the_units_they_see(
    client, round_a, sheet_a1, sheet_a2, officer_a1, officer_a2, district_manager_a, large
):
    score_some(sheet_a1, sheet_a2, officer_a1, officer_a2)
    client.force_login(district_manager_a)
    client.post(reverse("assessments:round_export", args=[round_a.pk]), {"kind": "summary"})
    rows = result_rows(UserJob.objects.get(user=district_manager_a))
    assert [(row[0], row[4]) for row in rows[3:]] == [("Xã Yên Thượng", 6), ("Xã Bằng Lãng", 2)]

    client.force_login(officer_a1)  # sees the round through its own sheet only
    client.post(reverse("assessments:round_export", args=[round_a.pk]), {"kind": "summary"})
    rows = result_rows(UserJob.objects.get(user=officer_a1))
    assert [row[0] for row in rows[3:]] == ["Xã Yên Thượng"]


def test_round_exports_refuse_outsiders_and_unknown_kinds(client, round_a, district_manager_a, officer_b1):
    client.force_login(officer_b1)
    url = reverse("assessments:round_export", args=[round_a.pk])
    assert client.post(url, {"kind": "progress"}).status_code == 404
    assert client.get(url).status_code == 405
    job = start_user_job(
        user=officer_b1,
        label="x",
        func_path="parindex.assessments.jobs.round_export",
        kwargs={"round_id": round_a.pk, "kind": "summary"},
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and not job.result_file
    client.force_login(district_manager_a)
    response = client.post(url, {"kind": "everything"}, follow=True)
    assert "Không có loại tệp xuất này" in response.content.decode()
    assert not UserJob.objects.filter(user=district_manager_a).exists()


@pytest.mark.django_db(transaction=True)
def test_a_round_export_runs_through_the_database_queue_and_the_worker(
    client, round_a, sheet_a1, sheet_a2, officer_a1, officer_a2, district_manager_a, large, worker_queue
):
    score_some(sheet_a1, sheet_a2, officer_a1, officer_a2)
    client.force_login(district_manager_a)
    client.post(reverse("assessments:round_export", args=[round_a.pk]), {"kind": "summary"})
    job = UserJob.objects.get(user=district_manager_a)
    assert job.status == UserJob.Status.QUEUED
    worker_queue()
    rows = result_rows(job)
    assert (job.done, job.total) == (4, 4)  # two units added up, then two rows written
    assert [row[4] for row in rows[3:]] == [6, 2]
    download = client.get(reverse("requests:job_download", args=[job.pk]))
    assert table(b"".join(download.streaming_content))[3][0] == "Xã Yên Thượng"
    assert Decimal(str(rows[3][2])) == Decimal("4.5")
