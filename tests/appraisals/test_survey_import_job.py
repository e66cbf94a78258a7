"""Survey results are imported on the worker with bounded errors (issue 24, finding 2): a file of
50,000 bad rows by a district manager is refused without flooding the session or the next page;
a smaller bad file lists its first 100 errors after their total; nothing is written on error."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from parindex.appraisals.models import SurveyScore
from parindex.requests.models import UserJob
from tests.appraisals.helpers import make_framework, make_round
from tests.core.job_helpers import job_of, job_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_round(tree):
    """A round of district DA over its communes A1 and A2, with one survey leaf (1.9)."""
    framework = make_framework(tree["DA"], survey_leaf=True)
    return make_round(framework, tree["DA"], [tree["A1"], tree["A2"]])


def survey_file(rows, *, declared_size: bool = False) -> bytes:
    """An .xlsx of survey rows; ``declared_size``: the sheet states its size (as Excel writes it)."""
    workbook = Workbook(write_only=not declared_size)
    sheet = workbook.active if declared_size else workbook.create_sheet()
    sheet.append(["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post_survey(user, round_, content: bytes) -> tuple[Client, object]:
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("appraisals:survey_upload", args=[round_.pk]),
        {"file": SimpleUploadedFile("ket-qua-dieu-tra.xlsx", content)},
    )
    return client, response


def session_messages(client, round_) -> list:
    """The flash messages the next page (the round's) shows."""
    response = client.get(reverse("appraisals:round", args=[round_.pk]))
    return list(response.context["messages"])


@pytest.mark.parametrize(
    ("declared_size", "refusal"),
    [
        (True, "Tệp: Trang tính có 50.000 dòng dữ liệu; chỉ chấp nhận tối đa 102 dòng. Chưa đọc dòng nào."),
        (False, "Tệp: Trang tính có hơn 102 dòng dữ liệu; chưa đọc dòng nào."),
    ],
)
def test_fifty_thousand_bad_survey_rows_are_refused_on_the_worker_without_flooding_the_session(
    district_round, district_manager_a, declared_size, refusal
):
    bad_rows = [(f"X{i}", "9.9", 150) for i in range(50_000)]  # three errors per row
    content = survey_file(bad_rows, declared_size=declared_size)
    client, response = post_survey(district_manager_a, district_round, content)
    job = job_of(response)  # the request queued a job; it did not read the rows
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.func_path == "parindex.appraisals.jobs.import_survey_results"
    # One row per unit × survey leaf (2 × 1) + 100 of slack: the sheet is refused by its declared size
    # before its rows are read, or as soon as the reading passes the limit.
    assert job.details == [refusal]
    page = job_page(client, job)
    assert len(page) < 100_000
    assert session_messages(client, district_round) == []
    assert not SurveyScore.objects.exists()


def test_a_bad_survey_file_lists_its_first_hundred_errors_after_the_total(district_round, district_manager_a):
    bad_rows = [(f"X{i}", "9.9", 150) for i in range(100)]  # 300 errors within the row limit
    client, response = post_survey(district_manager_a, district_round, survey_file(bad_rows))
    job = job_of(response)
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Tệp có lỗi; chưa nhập dữ liệu nào."
    assert len(job.details) == 101
    assert job.details[0] == "Tệp: Tệp có 300 lỗi; dưới đây liệt kê 100 lỗi đầu tiên."
    assert job.details[1].startswith("Dòng 2")
    page = job_page(client, job)
    assert "Tệp có 300 lỗi; dưới đây liệt kê 100 lỗi đầu tiên." in page
    assert not SurveyScore.objects.exists()


def test_a_good_survey_file_is_imported_by_the_job_with_its_points(district_round, district_manager_a):
    client, response = post_survey(
        district_manager_a, district_round, survey_file([("A1", "1.9", 80), ("A2", "1.9", 50)])
    )
    job = job_of(response)
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert job.message == "Đã nhập 2 kết quả điều tra."
    scores = {s.unit.code: s.points for s in SurveyScore.objects.select_related("unit")}
    assert scores == {"A1": 20, "A2": 12.5}


def test_a_survey_upload_by_someone_who_does_not_run_the_round_queues_no_job(
    district_round, appraiser_province
):
    _client, response = post_survey(appraiser_province, district_round, survey_file([("A1", "1.9", 80)]))
    assert response.status_code == 403
    assert not UserJob.objects.exists() and not SurveyScore.objects.exists()


def test_a_survey_file_over_the_size_limit_is_refused_in_the_request(
    district_round, district_manager_a, monkeypatch
):
    from parindex.appraisals import surveys

    monkeypatch.setattr(surveys, "MAX_SURVEY_BYTES", 1024)
    _client, response = post_survey(
        district_manager_a, district_round, survey_file([("A1", "1.9", 80)] * 200)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("appraisals:round", args=[district_round.pk])
    assert not UserJob.objects.exists() and not SurveyScore.objects.exists()


def test_empty_formatted_rows_under_the_data_do_not_count_against_the_row_limit(
    district_round, district_manager_a
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"])
    sheet.append(["A1", "1.9", 80])
    sheet.append(["A2", "1.9", 50])
    for row in range(4, 1004):  # a thousand empty rows an officer formatted in advance
        sheet.cell(row=row, column=3).number_format = "0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    _client, response = post_survey(district_manager_a, district_round, buffer.getvalue())
    job = job_of(response)
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert SurveyScore.objects.count() == 2
