"""Phụ lục II filled in Excel: row errors listed, nothing written on any error; then applied with audit."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from parindex.core.models import AuditEntry
from parindex.remediation import actions
from parindex.remediation.models import RemediationItem
from parindex.requests.models import UserJob
from tests.core.job_helpers import job_of, job_page
from tests.remediation.conftest import approved

pytestmark = pytest.mark.django_db


def workbook_from(client, plan):
    response = client.get(reverse("remediation:plan_import", args=[plan.pk]) + "?format=xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def upload(client, plan, wb):
    """Upload the workbook: the import runs as a job (inline in tests); returns the job."""
    buf = io.BytesIO()
    wb.save(buf)
    return job_of(
        client.post(
            reverse("remediation:plan_import", args=[plan.pk]),
            {"file": SimpleUploadedFile("phu-luc-ii.xlsx", buf.getvalue())},
        )
    )


def test_filled_workbook_updates_the_items(client, published, plan):
    actions.update_plan(plan, by=published["officer_a1"], document_date=dt.date(2025, 3, 25))
    client.force_login(published["officer_a1"])
    wb = workbook_from(client, plan)
    ws = wb.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        row[header.index("Nguyên nhân")].value = "Chưa bố trí công chức"
        row[header.index("Giải pháp khắc phục")].value = f"Giải pháp {row[0].value}"
        row[header.index("Thời hạn")].value = "30/09/2025"
    job = upload(client, plan, wb)
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert "3 tồn tại đã được cập nhật" in job.message
    assert job.result_url == reverse("remediation:plan", args=[plan.pk])
    assert job.back_url == reverse("remediation:plan_import", args=[plan.pk])
    assert "3 tồn tại đã được cập nhật" in job_page(client, job)
    items = list(RemediationItem.objects.filter(plan=plan).order_by("number"))
    assert [i.solution for i in items] == ["Giải pháp 1", "Giải pháp 2", "Giải pháp 3"]
    assert {i.deadline for i in items} == {dt.date(2025, 9, 30)}
    assert AuditEntry.objects.filter(action="remediation.update_item").count() == 3


def test_any_bad_row_writes_nothing(client, published, plan):
    actions.update_plan(plan, by=published["officer_a1"], document_date=dt.date(2025, 3, 25))
    client.force_login(published["officer_a1"])
    wb = workbook_from(client, plan)
    ws = wb.active
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("Giải pháp khắc phục") + 1, value="Giải pháp tốt")
    ws.cell(row=3, column=header.index("Thời hạn") + 1, value="01/01/2025")
    ws.cell(row=4, column=1, value=99)
    job = upload(client, plan, wb)
    assert job.status == UserJob.Status.FAILED
    body = job_page(client, job)
    assert "Dòng 3" in body and "không được trước ngày ban hành kế hoạch 25/03/2025" in body
    assert "Không có tồn tại 99 trong kế hoạch này" in body
    assert not RemediationItem.objects.filter(plan=plan).exclude(solution="").exists()


def test_an_approved_plan_is_not_changed_by_a_workbook(client, published, plan):
    approved(plan, published)
    client.force_login(published["officer_a1"])
    wb = workbook_from(client, plan)
    job = upload(client, plan, wb)
    assert job.status == UserJob.Status.FAILED
    assert "hãy mở lại kế hoạch" in job_page(client, job)


def test_import_page_permissions(client, published, plan):
    url = reverse("remediation:plan_import", args=[plan.pk])
    for persona, expected in (("officer_a1", 200), ("district_manager_a", 403), ("officer_a2", 404)):
        client.force_login(published[persona])
        assert client.get(url).status_code == expected


def test_a_file_that_is_not_a_workbook_is_refused_at_once(client, published, plan):
    client.force_login(published["officer_a1"])
    response = client.post(
        reverse("remediation:plan_import", args=[plan.pk]),
        {"file": SimpleUploadedFile("phu-luc-ii.docx", b"PK\x03\x04 word")},
    )
    assert response.status_code == 400
    assert "Đây không phải là tệp Excel .xlsx." in response.content.decode()
    assert not UserJob.objects.exists()


def test_the_import_post_is_refused_to_other_roles_without_a_job(client, published, plan):
    url = reverse("remediation:plan_import", args=[plan.pk])
    client.force_login(published["officer_a1"])
    content = _workbook_bytes(workbook_from(client, plan))
    for persona, expected in (("district_manager_a", 403), ("officer_a2", 404)):
        client.force_login(published[persona])
        response = client.post(url, {"file": SimpleUploadedFile("phu-luc-ii.xlsx", content)})
        assert response.status_code == expected
    assert not UserJob.objects.exists()


def test_the_job_refuses_a_user_who_may_not_edit_the_plan(client, published, plan):
    from parindex.core.jobs import start_user_job

    client.force_login(published["officer_a1"])
    wb = workbook_from(client, plan)
    ws = wb.active
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("Giải pháp khắc phục") + 1, value="Giải pháp tốt")
    job = start_user_job(
        user=published["district_manager_a"],
        label="Phụ lục II",
        func_path="parindex.remediation.jobs.import_items",
        kwargs={"plan_id": plan.pk},
        input_file=_workbook_bytes(wb),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Chỉ công chức và lãnh đạo đơn vị mới được thay đổi kế hoạch khắc phục của đơn vị."
    assert not RemediationItem.objects.filter(plan=plan, solution="Giải pháp tốt").exists()


@pytest.mark.django_db(transaction=True)
def test_the_workbook_import_waits_for_the_worker(client, published, plan, worker_queue):
    client.force_login(published["officer_a1"])
    wb = workbook_from(client, plan)
    ws = wb.active
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("Giải pháp khắc phục") + 1, value="Giải pháp tốt")
    job = upload(client, plan, wb)
    assert job.status == UserJob.Status.QUEUED
    assert not RemediationItem.objects.filter(plan=plan, solution="Giải pháp tốt").exists()
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, (job.error, job.details)
    assert RemediationItem.objects.filter(plan=plan, solution="Giải pháp tốt").count() == 1


def _workbook_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
