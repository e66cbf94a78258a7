"""First browser journeys: who sees which units, in Vietnamese by default, English on request."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login


def unit_codes(page) -> set[str]:
    table = page.get_by_test_id("unit-table")
    expect(table).to_be_visible()
    return {
        text.strip() for text in table.locator("tbody tr td:first-child").all_inner_texts() if text.strip()
    }


def test_commune_officer_sees_a_vietnamese_ui_and_only_own_unit(page, live_server, officer_a1, tree):
    login(page, live_server.url, "canbo.a1")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào, Nguyễn Văn An")
    expect(page.get_by_test_id("panel-my-unit")).to_contain_text("Xã Yên Thượng")
    page.locator('a[data-nav="units"]').click()
    expect(page.get_by_role("heading", name="Đơn vị", exact=True)).to_be_visible()
    assert unit_codes(page) == {"A1"}
    # Guessing the id of the neighbouring commune answers 404.
    response = page.goto(f"{live_server.url}/units/{tree['A2'].pk}/")
    assert response.status == 404


def test_district_manager_sees_own_communes_but_not_another_district(
    page, live_server, district_manager_a, tree
):
    login(page, live_server.url, "noivu.da")
    expect(page.get_by_test_id("panel-scope")).to_contain_text("4 đơn vị đang hoạt động.")
    page.goto(f"{live_server.url}/units/")
    assert unit_codes(page) == {"DA", "DA-NV", "A1", "A2"}
    page.get_by_role("link", name="Huyện Chợ Đồn", exact=True).click()
    children = page.get_by_test_id("children")
    expect(children).to_contain_text("Xã Yên Thượng")
    expect(children).to_contain_text("Xã Bằng Lãng")
    # Search without diacritics finds the commune.
    page.goto(f"{live_server.url}/units/?q=bang+lang")
    assert unit_codes(page) == {"A2"}
    response = page.goto(f"{live_server.url}/units/{tree['B1'].pk}/")
    assert response.status == 404


def test_switching_the_language_to_english_and_back(page, live_server, officer_a1):
    login(page, live_server.url, "canbo.a1")
    page.locator('footer button[data-lang="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Nguyễn Văn An")
    expect(page.locator('a[data-nav="units"]')).to_contain_text("Units")
    page.locator('footer button[data-lang="vi"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def test_the_login_page_can_be_switched_to_english_before_logging_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.locator('footer button[data-lang="en"]').click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_wrong_password_is_explained_in_vietnamese(page, live_server, officer_a1):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("canbo.a1")
    page.locator("#id_password").fill("sai-mat-khau")
    page.locator("#login-form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}], ids=["phone"])
def test_on_a_phone_the_menu_opens_from_the_toggler(page, live_server, officer_a1, viewport):
    login(page, live_server.url, "canbo.a1")
    units_link = page.locator('a[data-nav="units"]')
    expect(units_link).to_be_hidden()
    page.locator(".navbar-toggler").click()  # needs Bootstrap's JS, served from our static files
    expect(units_link).to_be_visible()
    units_link.click()
    assert unit_codes(page) == {"A1"}


def test_district_manager_imports_a_commune_and_sees_the_errors_of_a_bad_file(
    page, live_server, district_manager_a
):
    from tests.core.xlsx_helpers import make_xlsx

    header = ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    login(page, live_server.url, "noivu.da")
    page.goto(f"{live_server.url}/units/import/")
    bad = make_xlsx(header, [["A9", "Xã Mới", "Thôn", "KHONG-CO"]])
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "sai.xlsx", "mimeType": xlsx, "buffer": bad}]
    )
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    # The import runs in the background: the job page shows the row errors once it has failed.
    job = page.locator("[data-testid=job][data-status=failed]")
    expect(job.get_by_test_id("job-error")).to_contain_text("Tệp có lỗi; chưa nhập dữ liệu nào.")
    expect(job.get_by_test_id("job-details")).to_contain_text("Không có đơn vị cấp trên mã “KHONG-CO”.")
    job.get_by_test_id("job-back").click()
    good = make_xlsx(header, [["A9", "Xã Mới", "Xã", "DA"]])
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "dung.xlsx", "mimeType": xlsx, "buffer": good}]
    )
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    job = page.locator("[data-testid=job][data-status=succeeded]")
    expect(job.get_by_test_id("job-message")).to_contain_text("Đã tạo 1 đơn vị")
    job.get_by_test_id("job-open").click()
    expect(page.get_by_test_id("unit-table")).to_contain_text("Xã Mới")
    page.goto(f"{live_server.url}/units/?q=xa+moi")
    expect(page.get_by_test_id("unit-table")).to_contain_text("Xã Mới")


@pytest.mark.parametrize("ci", ["1", "true"])
def test_without_chromium_the_journeys_fail_in_ci(monkeypatch, ci):
    from tests.e2e import conftest as harness

    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="chromium is not on the PATH"):
        harness.find_chromium()


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_without_chromium_the_journeys_are_skipped_on_a_developer_machine(monkeypatch, ci):
    from tests.e2e import conftest as harness

    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception):
        harness.find_chromium()


def test_admin_imports_a_user_downloads_the_passwords_once_and_the_user_must_change_it(
    page, live_server, admin_user, tree
):
    """Users import on the worker → one-time passwords file → first login held at the password page."""
    import io

    from openpyxl import load_workbook

    from tests.core.xlsx_helpers import make_xlsx
    from tests.e2e.conftest import switch_user

    header = ["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Điện thoại", "Mã đơn vị", "Vai trò"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    login(page, live_server.url, "quantri")
    page.goto(f"{live_server.url}/accounts/import/")
    content = make_xlsx(header, [["xa.a1.moi", "Hà Thị Mơ", "", "", "A1", "Cán bộ đơn vị"]])
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "nguoi-dung.xlsx", "mimeType": xlsx, "buffer": content}]
    )
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    job = page.locator("[data-testid=job][data-status=succeeded]")
    expect(job).to_be_visible()
    with page.expect_download() as download_info:
        job.get_by_test_id("job-download").click()
    sheet = load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read())).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    row = next(r for r in rows if "xa.a1.moi" in r)
    password = next(
        c for c in row if isinstance(c, str) and c not in ("xa.a1.moi", "Hà Thị Mơ") and len(c) >= 10
    )
    # The passwords file is gone from the server after that one download.
    page.reload()
    expect(page.get_by_test_id("job-download")).to_have_count(0)

    # The new user's first login: any page leads to the password page until a new one is chosen.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next=/units/")
    page.locator("#id_username").fill("xa.a1.moi")
    page.locator("#id_password").fill(password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/accounts/password/**")
    page.goto(f"{live_server.url}/units/")
    page.wait_for_url("**/accounts/password/**")
    page.locator("#id_old_password").fill(password)
    page.locator("#id_new_password1").fill("Mot-mat-khau-rieng-2026")
    page.locator("#id_new_password2").fill("Mot-mat-khau-rieng-2026")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url("**/units/")
    expect(page.get_by_test_id("unit-table")).to_contain_text("A1")
    switch_user(page, live_server.url, "xa.a1.moi", "Mot-mat-khau-rieng-2026")
    assert "/accounts/password/" not in page.url
