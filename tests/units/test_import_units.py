"""``parindex import_units`` and the import page: good files, and every kind of bad file (nothing written)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

import parindex.units
from parindex.core.models import AuditEntry
from parindex.requests.models import Notification, UserJob
from parindex.units.models import Unit, UnitChange
from tests.core.job_helpers import job_of, job_page
from tests.core.xlsx_helpers import make_xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Tên ngắn",
    "Loại đơn vị",
    "Phân loại",
    "Mã đơn vị cấp trên",
    "Hiệu lực từ ngày",
    "Hiệu lực đến ngày",
    "Thư điện tử",
    "Mã đơn vị tiền thân",
]
EXAMPLE = Path(parindex.units.__file__).parent / "examples" / "units-example.xlsx"


def run(tmp_path, content: bytes):
    path = tmp_path / "units.xlsx"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_units", str(path), stdout=out, stderr=err)
    except CommandError:
        return False, out.getvalue(), err.getvalue()
    return True, out.getvalue(), err.getvalue()


def state():
    return (
        sorted(Unit.objects.values_list("code", "name", "parent__code", "valid_from", "valid_to")),
        UnitChange.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_shipped_example_imports_into_an_empty_database(tmp_path):
    ok, out, err = run(tmp_path, EXAMPLE.read_bytes())
    assert ok, err
    assert "Đã tạo 8 đơn vị" in out
    merged = Unit.objects.get(code="02010")
    assert merged.parent.code == "06"
    assert merged.valid_from == dt.date(2025, 7, 1)
    assert {u.code for u in merged.lineage()} == {"02010", "02044", "02047"}
    assert Unit.objects.get(code="02044").valid_to == dt.date(2025, 6, 30)
    assert Unit.objects.get(code="064-PNV").kind == Unit.Kind.DISTRICT_OFFICE
    assert AuditEntry.objects.filter(action="unit.create").count() == 8
    assert AuditEntry.objects.filter(action="unit.change").count() == 1


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    run(tmp_path, EXAMPLE.read_bytes())
    before = state()
    ok, out, _err = run(tmp_path, EXAMPLE.read_bytes())
    assert ok
    assert "giữ nguyên 8" in out
    assert state() == before


def test_english_headers_and_labels_and_a_parent_later_in_the_file(tmp_path):
    content = make_xlsx(
        ["Code", "Name", "Type", "Class", "Parent code", "Valid from"],
        [
            ["X1", "Xã Một", "commune", "Class II", "D1", "01/01/2024"],
            ["D1", "Huyện Một", "District", "", "P1", None],
            ["P1", "Tỉnh Một", "Province", "loại iii", None, dt.datetime(2020, 1, 1)],
            ["W1", "Phường Hai", "Phường", "1", "D1", None],
            ["T1", "Thị trấn Ba", "Thị trấn", "Đặc biệt", "D1", None],
            ["Z1", "Đặc khu Bốn", "Đặc khu", "", "P1", None],
        ],
    )
    ok, _out, err = run(tmp_path, content)
    assert ok, err
    x1 = Unit.objects.get(code="X1")
    assert x1.parent.code == "D1" and x1.parent.parent.code == "P1"
    assert x1.grade == Unit.Grade.II and x1.valid_from == dt.date(2024, 1, 1)
    assert Unit.objects.get(code="P1").grade == Unit.Grade.III
    assert Unit.objects.get(code="W1").kind == Unit.Kind.WARD
    assert Unit.objects.get(code="T1").kind == Unit.Kind.COMMUNE
    assert Unit.objects.get(code="Z1").kind == Unit.Kind.SPECIAL_ZONE
    assert x1.path == f"/{x1.parent.parent.pk}/{x1.parent.pk}/{x1.pk}/"


def test_an_existing_unit_can_be_moved_and_its_subtree_follows(tmp_path, tree):
    content = make_xlsx(HEADER, [["DA", "Huyện Chợ Đồn", "Chợ Đồn", "Huyện", "", "DB", None, None, "", ""]])
    ok, out, err = run(tmp_path, content)
    assert ok, err
    assert "cập nhật 1" in out
    a1 = Unit.objects.get(code="A1")
    assert a1.path.startswith(Unit.objects.get(code="DB").path)
    entry = AuditEntry.objects.get(action="unit.update")
    assert entry.before["parent_id"] == tree["P"].pk and entry.after["parent_id"] == tree["DB"].pk


BAD_FILES = {
    "duplicate code": (
        [
            ["A", "Xã A", "", "Xã", "", "P", None, None, "", ""],
            ["A", "Xã A2", "", "Xã", "", "P", None, None, "", ""],
        ],
        "Dòng 3, Mã đơn vị: Mã “A” đã dùng ở dòng 2 của tệp này.",
    ),
    "unknown parent": (
        [["A", "Xã A", "", "Xã", "", "KHONG-CO", None, None, "", ""]],
        "Dòng 2, Mã đơn vị cấp trên: Không có đơn vị cấp trên mã “KHONG-CO”.",
    ),
    "cycle in the file": (
        [
            ["A", "Huyện A", "", "Huyện", "", "B", None, None, "", ""],
            ["B", "Huyện B", "", "Huyện", "", "A", None, None, "", ""],
        ],
        "Dòng 2, Mã đơn vị cấp trên: Chuỗi đơn vị cấp trên quay vòng về chính đơn vị này: A → B → A.",
    ),
    "cycle through the database": (
        [["DA", "Huyện Chợ Đồn", "", "Huyện", "", "A1", None, None, "", ""]],
        "Chuỗi đơn vị cấp trên quay vòng về chính đơn vị này: DA → A1 → DA.",
    ),
    "own parent": (
        [["A", "Xã A", "", "Xã", "", "A", None, None, "", ""]],
        "Chuỗi đơn vị cấp trên quay vòng về chính đơn vị này: A → A.",
    ),
    "dates out of order": (
        [["A", "Xã A", "", "Xã", "", "P", "01/07/2025", "30/06/2025", "", ""]],
        "Dòng 2, Hiệu lực đến ngày: Ngày kết thúc không được trước ngày bắt đầu.",
    ),
    "text in a date cell": (
        [["A", "Xã A", "", "Xã", "", "P", "đầu năm", None, "", ""]],
        "Dòng 2, Hiệu lực từ ngày: “đầu năm” không phải là ngày (dd/mm/yyyy).",
    ),
    "unknown type": (
        [["A", "Xã A", "", "Thôn", "", "P", None, None, "", ""]],
        "Dòng 2, Loại đơn vị: Loại đơn vị “Thôn” không hợp lệ",
    ),
    "unknown class": (
        [["A", "Xã A", "", "Xã", "Loại IV", "P", None, None, "", ""]],
        "Dòng 2, Phân loại: Phân loại “Loại IV” không hợp lệ",
    ),
    "empty required cell": (
        [["A", None, "", "Xã", "", "P", None, None, "", ""]],
        "Dòng 2, Tên đơn vị: Ô này không được để trống.",
    ),
    "bad e-mail": (
        [["A", "Xã A", "", "Xã", "", "P", None, None, "khong-phai-email", ""]],
        "Dòng 2, Thư điện tử: “khong-phai-email” không phải là địa chỉ thư điện tử.",
    ),
    "unknown predecessor": (
        [["A", "Xã A", "", "Xã", "", "P", "01/07/2025", None, "", "A1;ZZ"]],
        "Dòng 2, Mã đơn vị tiền thân: Không có đơn vị tiền thân mã “ZZ”.",
    ),
    "predecessors without a date": (
        [["A", "Xã A", "", "Xã", "", "P", None, None, "", "A1;A2"]],
        "Dòng 2, Hiệu lực từ ngày: Đơn vị có đơn vị tiền thân phải có ngày bắt đầu hiệu lực",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_row_is_reported_in_vietnamese_and_nothing_is_written(tmp_path, tree, case):
    rows, message = BAD_FILES[case]
    good_row = ["NEW", "Xã Mới", "", "Xã", "", "P", None, None, "", ""]
    before = state()
    if case == "duplicate code":
        content, expected = make_xlsx(HEADER, rows), message
    else:  # a good row first: the bad one is row 3, and the good one is not written either
        content, expected = make_xlsx(HEADER, [good_row, *rows]), message.replace("Dòng 2", "Dòng 3")
    ok, _out, err = run(tmp_path, content)
    assert not ok
    assert expected in err
    assert state() == before


def test_every_problem_of_every_row_is_listed_at_once(tmp_path, tree):
    # Cell problems (types, empty cells) of the whole file come first...
    cells = make_xlsx(
        HEADER,
        [
            ["A", "Xã A", "", "Xã", "", "P", "abc", None, "", ""],
            ["B", None, "", "Xã", "", "P", None, "31/02/2025", "", ""],
        ],
    )
    ok, _out, err = run(tmp_path, cells)
    assert not ok
    assert len([line for line in err.splitlines() if line.startswith("Dòng")]) == 3
    # ...then every structural problem of every row.
    structure = make_xlsx(
        HEADER,
        [
            ["A", "Xã A", "", "Thôn", "", "KHONG-CO", None, None, "", ""],
            ["B", "Xã B", "", "Xã", "Loại IV", "P", None, None, "x@", ""],
        ],
    )
    ok, _out, err = run(tmp_path, structure)
    assert not ok
    assert len([line for line in err.splitlines() if line.startswith("Dòng")]) == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Tệp: Tệp rỗng."),
        (b"This is a CSV file, not Excel\n1,2,3\n", "Tệp: Đây không phải là tệp Excel .xlsx."),
        (make_xlsx(HEADER, []), "Tệp: Trang tính không có dòng dữ liệu nào."),
        (make_xlsx(["Mã đơn vị", "Ghi chú"], [["A", "x"]]), "Dòng 1: Thiếu cột “Tên đơn vị”."),
    ],
    ids=["empty", "not-xlsx", "no-rows", "missing-column"],
)
def test_a_bad_file_is_refused_with_a_vietnamese_message(tmp_path, tree, content, message):
    before = state()
    ok, _out, err = run(tmp_path, content)
    assert not ok
    assert message in err
    assert state() == before


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_units", str(tmp_path / "khong-co.xlsx"))


# --- the upload page: the import runs as a background job -------------------------------------


def upload(client, content: bytes, name: str = "don-vi.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("units:import"), {"file": SimpleUploadedFile(name, content)})


def test_admin_imports_through_the_page(client, admin_user):
    client.force_login(admin_user)
    job = job_of(upload(client, EXAMPLE.read_bytes()))
    assert job.status == UserJob.Status.SUCCEEDED
    assert job.label == "Nhập đơn vị (don-vi.xlsx)"
    assert job.message.startswith("Đã tạo 8 đơn vị")
    assert job.details[0].startswith("Đã tạo: 06, 06-SNV")
    assert job.result_url == reverse("units:list") and job.back_url == reverse("units:import")
    assert not job.input_file  # the upload is deleted once the job ends
    assert AuditEntry.objects.filter(action="unit.create", actor=admin_user).count() == 8
    page = job_page(client, job)
    assert 'data-status="succeeded"' in page and "Đã tạo 8 đơn vị" in page
    note = Notification.objects.get(user=admin_user)
    assert note.level == "success" and note.body == job.message


def test_the_job_page_lists_the_row_errors_and_nothing_is_written(client, admin_user):
    client.force_login(admin_user)
    before = state()
    job = job_of(
        upload(client, make_xlsx(HEADER, [["A", "Xã A", "", "Xã", "", "KHONG-CO", None, None, "", ""]]))
    )
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Tệp có lỗi; chưa nhập dữ liệu nào."
    assert any("Không có đơn vị cấp trên mã “KHONG-CO”." in line for line in job.details)
    page = job_page(client, job)
    assert 'data-testid="job-details"' in page and "Không có đơn vị cấp trên mã “KHONG-CO”." in page
    assert state() == before
    assert Notification.objects.get(user=admin_user).level == "danger"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("don-vi.csv", b"Ma,Ten\n", "Đây không phải là tệp Excel .xlsx."),
        ("don-vi.xlsx", b"<html>not a workbook</html>", "Đây không phải là tệp Excel .xlsx."),
        ("don-vi.xlsx", b"PK\x03\x04" + b"0" * (1024 * 1024 + 1), "Tệp lớn hơn 1 MB."),
    ],
    ids=["wrong-extension", "not-a-zip", "too-large"],
)
def test_a_wrong_file_is_refused_at_once_without_a_job(client, admin_user, settings, name, content, message):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(admin_user)
    response = upload(client, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UserJob.objects.exists()


def test_district_manager_imports_under_own_district(client, district_manager_a):
    client.force_login(district_manager_a)
    job = job_of(
        upload(client, make_xlsx(HEADER, [["A9", "Xã Mới", "", "Xã", "", "DA", None, None, "", ""]]))
    )
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert Unit.objects.get(code="A9").parent.code == "DA"


@pytest.mark.parametrize(
    "row",
    [
        ["B9", "Xã Khác", "", "Xã", "", "DB", None, None, "", ""],  # another district
        ["DA", "Huyện Chợ Đồn (đổi)", "", "Huyện", "", "P", None, None, "", ""],  # own root unit
        ["TOP", "Tỉnh Mới", "", "Tỉnh", "", None, None, None, "", ""],  # top level
    ],
    ids=["other-district", "own-root", "top-level"],
)
def test_district_manager_cannot_import_outside_own_subtree(client, district_manager_a, row):
    client.force_login(district_manager_a)
    before = state()
    job = job_of(upload(client, make_xlsx(HEADER, [row])))
    assert job.status == UserJob.Status.FAILED
    assert any("Bạn chỉ được nhập các đơn vị thuộc phạm vi mình quản lý." in line for line in job.details)
    assert state() == before


def test_the_job_refuses_a_user_who_lost_the_role_before_it_ran(client, district_manager_a, officer_a1):
    from parindex.core.jobs import start_user_job

    before = state()
    job = start_user_job(
        user=officer_a1,
        label="Nhập đơn vị",
        func_path="parindex.units.jobs.import_units",
        input_file=make_xlsx(HEADER, [["A9", "Xã Mới", "", "Xã", "", "DA", None, None, "", ""]]),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Chỉ quản lý chỉ số và quản trị hệ thống mới được nhập đơn vị."
    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_the_import_waits_in_the_queue_until_the_worker_runs_it(client, district_manager_a, worker_queue):
    client.force_login(district_manager_a)
    job = job_of(
        upload(client, make_xlsx(HEADER, [["A9", "Xã Mới", "", "Xã", "", "DA", None, None, "", ""]]))
    )
    assert job.status == UserJob.Status.QUEUED and job.input_file
    page = client.get(reverse("requests:job_status", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'data-status="queued"' in page.content.decode()
    assert not Unit.objects.filter(code="A9").exists()
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, (job.error, job.details)
    assert Unit.objects.get(code="A9").parent.code == "DA"
    assert not job.input_file


def test_template_download_is_an_xlsx(client, province_manager):
    client.force_login(province_manager)
    response = client.get(reverse("units:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "mau-nhap-don-vi.xlsx" in response["Content-Disposition"]


def test_an_export_can_be_imported_again_unchanged(client, tmp_path, district_manager_a, admin_user):
    client.force_login(district_manager_a)
    response = client.get(reverse("units:export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    from parindex.core.spreadsheets import read_table
    from parindex.units.imports import UNIT_COLUMNS

    table = read_table(content, UNIT_COLUMNS)
    assert sorted(r["code"] for r in table.rows) == ["A1", "A2", "DA", "DA-NV"]
    ok, out, err = run(tmp_path, content)
    assert ok, err
    assert "giữ nguyên 4" in out
