"""``parindex import_users`` and the user import page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

import parindex.accounts
from parindex.core.models import AuditEntry
from parindex.requests.models import UserJob
from parindex.units.models import Membership
from tests.core.job_helpers import job_of, job_page
from tests.core.xlsx_helpers import make_xlsx

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = [
    "Tên đăng nhập",
    "Họ và tên",
    "Thư điện tử",
    "Điện thoại",
    "Mã đơn vị",
    "Vai trò",
    "Chức vụ",
    "Mật khẩu",
]
EXAMPLE = Path(parindex.accounts.__file__).parent / "examples" / "users-example.xlsx"


def run(tmp_path, content: bytes, *extra):
    path = tmp_path / "users.xlsx"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_users", str(path), *extra, stdout=out, stderr=err)
    except CommandError:
        return False, out.getvalue(), err.getvalue()
    return True, out.getvalue(), err.getvalue()


def state():
    return (
        sorted(User.objects.values_list("username", "full_name", "email")),
        sorted(Membership.objects.values_list("user__username", "unit__code", "role")),
        AuditEntry.objects.count(),
    )


def test_new_users_get_roles_and_printed_one_time_passwords(tmp_path, tree):
    content = make_xlsx(
        HEADER,
        [
            [
                "xa.yenthuong.canbo2",
                "Nguyễn Thị Hoa",
                "hoa@backan.gov.vn",
                "0912345678",
                "A1",
                "Cán bộ đơn vị",
                "Công chức",
                None,
            ],
            [
                "xa.yenthuong.canbo2",
                "Nguyễn Thị Hoa",
                "hoa@backan.gov.vn",
                "0912345678",
                "A1",
                "viewer",
                "",
                None,
            ],
            [
                "huyen.chodon.thamdinh2",
                "Ma Văn Sơn",
                None,
                None,
                "DA",
                "Thẩm định viên",
                "",
                "Mat-khau-rieng-2025",
            ],
        ],
    )
    ok, out, err = run(tmp_path, content)
    assert ok, err
    assert "Đã tạo 2 người dùng, cập nhật 0 người dùng, thêm 3 vai trò." in out
    hoa = User.objects.get(username="xa.yenthuong.canbo2")
    assert hoa.full_name == "Nguyễn Thị Hoa" and hoa.phone == "0912345678"
    assert set(hoa.memberships.values_list("role", flat=True)) == {"unit_officer", "viewer"}
    printed = next(line for line in out.splitlines() if "xa.yenthuong.canbo2" in line).split()[-1]
    assert hoa.check_password(printed) and len(printed) == 12
    son = User.objects.get(username="huyen.chodon.thamdinh2")
    assert son.check_password("Mat-khau-rieng-2025")
    assert "huyen.chodon.thamdinh2" not in out.split("\n", 1)[1]  # chosen passwords are not printed
    assert AuditEntry.objects.filter(action="user.create").count() == 2
    assert AuditEntry.objects.filter(action="membership.create").count() == 3


def test_passwords_can_go_to_an_xlsx_instead_of_the_console(tmp_path, tree):
    target = tmp_path / "mat-khau.xlsx"
    ok, out, _err = run(
        tmp_path,
        make_xlsx(HEADER, [["canbo.moi", "Lê Thị Mới", None, None, "A1", "officer", "", None]]),
        "--passwords-out",
        str(target),
    )
    assert ok
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[1][0] == "canbo.moi"
    assert User.objects.get(username="canbo.moi").check_password(rows[1][2])
    assert rows[1][2] not in out


def test_the_shipped_example_imports(tmp_path, tree):
    from parindex.units.models import Unit

    Unit.objects.create(code="02032", name="Xã Yên Thượng", kind=Unit.Kind.COMMUNE, parent=tree["DA"])
    Unit.objects.create(code="064", name="Huyện Chợ Đồn", kind=Unit.Kind.DISTRICT, parent=tree["P"])
    ok, out, err = run(tmp_path, EXAMPLE.read_bytes())
    assert ok, err
    assert "Đã tạo 2 người dùng" in out


def test_importing_again_adds_nothing_and_keeps_passwords(tmp_path, tree, officer_a1):
    content = make_xlsx(
        HEADER, [["canbo.a1", "Nguyễn Văn An", None, None, "A1", "Cán bộ đơn vị", "", "Mot-mat-khau-khac-9"]]
    )
    before = state()
    ok, out, _err = run(tmp_path, content)
    assert ok
    assert "Đã tạo 0 người dùng, cập nhật 0 người dùng, thêm 0 vai trò." in out
    assert state() == before
    officer_a1.refresh_from_db()
    assert officer_a1.check_password("mat-khau-thu-nghiem")


BAD = {
    "bad username": (
        ["Cán Bộ Một", "Tên", None, None, "A1", "viewer", "", None],
        "Tên đăng nhập chỉ gồm chữ thường không dấu",
    ),
    "unknown unit": (
        ["canbo.x", "Tên", None, None, "KHONG-CO", "viewer", "", None],
        "Không có đơn vị mã “KHONG-CO”.",
    ),
    "unknown role": (
        ["canbo.x", "Tên", None, None, "A1", "Chủ tịch", "", None],
        "Vai trò “Chủ tịch” không hợp lệ",
    ),
    "bad e-mail": (
        ["canbo.x", "Tên", "khong-phai", None, "A1", "viewer", "", None],
        "“khong-phai” không phải là địa chỉ thư điện tử.",
    ),
    "weak password": (["canbo.x", "Tên", None, None, "A1", "viewer", "", "123"], "Mật khẩu quá ngắn."),
    "empty full name": (
        ["canbo.x", None, None, None, "A1", "viewer", "", None],
        "Họ và tên: Ô này không được để trống.",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_row_is_reported_and_nothing_is_written(tmp_path, tree, case):
    row, message = BAD[case]
    good = ["canbo.tot", "Người Tốt", None, None, "A1", "viewer", "", None]
    before = state()
    ok, _out, err = run(tmp_path, make_xlsx(HEADER, [good, row]))
    assert not ok
    assert "Dòng 3" in err and message in err
    assert state() == before


def test_duplicate_role_rows_and_conflicting_names_are_refused(tmp_path, tree):
    content = make_xlsx(
        HEADER,
        [
            ["canbo.x", "Tên Một", None, None, "A1", "viewer", "", None],
            ["canbo.x", "Tên Một", None, None, "A1", "Người theo dõi", "", None],
            ["canbo.x", "Tên Hai", None, None, "A2", "viewer", "", None],
        ],
    )
    before = state()
    ok, _out, err = run(tmp_path, content)
    assert not ok
    assert "Dòng 3: Vai trò này của người dùng tại đơn vị này đã có ở dòng 2." in err
    assert "Dòng 4: Dòng 2 ghi họ tên hoặc thư điện tử khác cho cùng tên đăng nhập này." in err
    assert state() == before


def upload(client, content, name="nguoi-dung.xlsx"):
    return client.post(reverse("users_import"), {"file": SimpleUploadedFile(name, content)})


def test_manager_gives_roles_in_own_district_through_the_page(client, district_manager_a):
    client.force_login(district_manager_a)
    job = job_of(
        upload(
            client,
            make_xlsx(
                HEADER,
                [
                    ["canbo.a2b", "Lò Văn Bảy", None, None, "A2", "officer", "", None],
                    ["canbo.a2c", "Lò Thị Tám", None, None, "A2", "viewer", "", "Mat-khau-rieng-2024!"],
                ],
            ),
        )
    )
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert job.message.startswith("Đã tạo 2 tài khoản.") and "chỉ tải về được một lần" in job.message
    assert "Đã tạo 2 người dùng, cập nhật 0 người dùng, thêm 2 vai trò." in job.details
    assert job.result_once and job.result_name == "mat-khau-mot-lan.xlsx"
    assert Membership.objects.get(user__username="canbo.a2b").unit.code == "A2"
    page = job_page(client, job)
    # The passwords are never shown on a page: only the one-time download.
    assert 'data-testid="job-download"' in page and 'data-testid="passwords"' not in page

    download = client.get(reverse("requests:job_download", args=[job.pk]))
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    generated = {row[0]: row[2] for row in rows if row[0] in ("canbo.a2b", "canbo.a2c")}
    assert list(generated) == ["canbo.a2b"]  # a password chosen in the file is not repeated
    assert User.objects.get(username="canbo.a2b").check_password(generated["canbo.a2b"])
    # Downloaded once, then gone from the server.
    assert client.get(reverse("requests:job_download", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert not job.result_file
    assert 'data-testid="job-download"' not in job_page(client, job)


def test_an_import_without_generated_passwords_offers_no_file(client, admin_user):
    client.force_login(admin_user)
    job = job_of(
        upload(
            client,
            make_xlsx(HEADER, [["canbo.x", "Tên", None, None, "A1", "officer", "", "Mat-khau-rieng-2024!"]]),
        )
    )
    assert job.status == UserJob.Status.SUCCEEDED
    assert job.message == "Đã tạo 1 người dùng, cập nhật 0 người dùng, thêm 1 vai trò."
    assert not job.result_file and not job.result_once


def test_a_malformed_file_fails_the_job_with_its_row_errors_and_writes_nothing(client, district_manager_a):
    client.force_login(district_manager_a)
    before = state()
    rows = [
        ["canbo.x", "Tên Một", None, None, "A1", "officer", "", None],
        ["canbo.y", "", None, None, "KHONG-CO", "officer", "", None],
    ]
    job = job_of(upload(client, make_xlsx(HEADER, rows)))
    assert job.status == UserJob.Status.FAILED and not job.result_file
    page = job_page(client, job)
    assert "Tệp có lỗi; chưa nhập dữ liệu nào." in page
    assert any(line.startswith("Dòng 3") for line in job.details)
    assert "Dòng 3" in page
    assert state() == before


def test_a_file_that_is_not_a_workbook_is_refused_at_once(client, district_manager_a):
    client.force_login(district_manager_a)
    response = upload(client, b"ten;ho\n", "nguoi-dung.csv")
    assert response.status_code == 400
    assert "Đây không phải là tệp Excel .xlsx." in response.content.decode()
    assert not UserJob.objects.exists()


def test_the_job_refuses_a_user_without_the_role(officer_a1):
    from parindex.core.jobs import start_user_job

    before = state()
    job = start_user_job(
        user=officer_a1,
        label="Nhập người dùng",
        func_path="parindex.accounts.jobs.import_users",
        input_file=make_xlsx(HEADER, [["canbo.x", "Tên", None, None, "A1", "officer", "", None]]),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Chỉ quản lý chỉ số và quản trị hệ thống mới được nhập người dùng."
    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_the_users_import_runs_on_the_worker(client, district_manager_a, worker_queue):
    client.force_login(district_manager_a)
    job = job_of(
        upload(client, make_xlsx(HEADER, [["canbo.q", "Tên", None, None, "A2", "officer", "", None]]))
    )
    assert job.status == UserJob.Status.QUEUED
    assert not User.objects.filter(username="canbo.q").exists()
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, (job.error, job.details)
    assert job.result_once and User.objects.filter(username="canbo.q").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["canbo.b", "Tên", None, None, "B1", "officer", "", None],
            "Bạn chỉ được cấp vai trò tại các đơn vị mình quản lý.",
        ),
        (
            ["qt.moi", "Tên", None, None, "A1", "admin", "", None],
            "Chỉ quản trị hệ thống mới được cấp vai trò quản trị hệ thống.",
        ),
    ],
    ids=["other-district", "admin-role"],
)
def test_manager_cannot_give_roles_outside_scope_or_the_admin_role(client, district_manager_a, row, message):
    client.force_login(district_manager_a)
    before = state()
    job = job_of(upload(client, make_xlsx(HEADER, [row])))
    assert job.status == UserJob.Status.FAILED
    assert any(message in line for line in job.details) and message in job_page(client, job)
    assert state() == before


def test_manager_cannot_rename_an_existing_user_but_admin_can(
    client, tree, district_manager_a, officer_a1, admin_user
):
    row = ["canbo.a1", "Tên Mới", None, None, "A1", "officer", "", None]
    client.force_login(district_manager_a)
    assert job_of(upload(client, make_xlsx(HEADER, [row]))).status == UserJob.Status.SUCCEEDED
    officer_a1.refresh_from_db()
    assert officer_a1.full_name == "Nguyễn Văn An"
    client.force_login(admin_user)
    assert job_of(upload(client, make_xlsx(HEADER, [row]))).status == UserJob.Status.SUCCEEDED
    officer_a1.refresh_from_db()
    assert officer_a1.full_name == "Tên Mới"
    assert AuditEntry.objects.get(action="user.update").before["full_name"] == "Nguyễn Văn An"
