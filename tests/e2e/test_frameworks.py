"""Browser journeys of criteria frameworks: import, browse the tree, edit a criterion, download."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import login

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "parindex" / "frameworks" / "examples"


def test_province_manager_imports_browses_and_edits_a_framework(page, live_server, province_manager, tree):
    login(page, live_server.url, "snv.p")
    page.locator('a[data-nav="frameworks"]').click()
    expect(page.get_by_role("heading", name="Bộ tiêu chí", exact=True)).to_be_visible()
    page.get_by_test_id("import-link").click()
    page.locator("input[type=file]").set_input_files(str(EXAMPLES / "commune.xlsx"))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    # The import runs in the background; the job page then links to the new framework.
    page.locator("[data-testid=job][data-status=succeeded]").get_by_test_id("job-open").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bộ chỉ số CCHC cấp xã (minh họa)")
    tree_box = page.get_by_test_id("criteria-tree")
    # Areas are open, deeper criteria collapsed until asked for.
    leaf = tree_box.locator('[data-code="1.1.2"]')
    expect(leaf).to_be_hidden()
    page.get_by_role("button", name="Mở tất cả").click()
    expect(leaf).to_be_visible()
    expect(leaf.get_by_test_id("method")).to_contain_text("Tỷ lệ theo mức: ≥ 100% → 100% điểm tối đa")
    page.get_by_role("button", name="Thu gọn tất cả").click()
    expect(leaf).to_be_hidden()
    # Correct the wording of a criterion.
    page.get_by_role("button", name="Mở tất cả").click()
    leaf.get_by_role("link").click()
    page.get_by_label("Nội dung").fill("Mức độ hoàn thành kế hoạch CCHC năm (đã rà soát)")
    page.get_by_test_id("criterion-save").click()
    expect(page.get_by_role("alert")).to_contain_text("Đã lưu tiêu chí 1.1.2.")
    page.get_by_role("button", name="Mở tất cả").click()
    expect(tree_box.locator('[data-code="1.1.2"]')).to_contain_text("(đã rà soát)")


def test_bad_upload_shows_row_errors_in_vietnamese(page, live_server, province_manager, tree, tmp_path):
    broken = tmp_path / "hong.yaml"
    broken.write_text((EXAMPLES / "commune.yaml").read_text().replace("max_points: 13", "max_points: 14", 1))
    login(page, live_server.url, "snv.p")
    page.goto(f"{live_server.url}/frameworks/import/")
    page.locator("input[type=file]").set_input_files(str(broken))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    job = page.locator("[data-testid=job][data-status=failed]")
    expect(job.get_by_test_id("job-details")).to_contain_text(
        "Tiêu chí 1: điểm tối đa là 14 nhưng các tiêu chí thành phần cộng lại được 13"
    )
    expect(job.get_by_test_id("job-error")).to_contain_text("chưa nhập dữ liệu nào")
    job.get_by_test_id("job-back").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nhập bộ tiêu chí")


def test_commune_officer_reads_and_downloads_but_cannot_edit(page, live_server, officer_a1, tree):
    from parindex.frameworks.actions import import_framework
    from parindex.frameworks.transfer import read_file

    framework = import_framework(
        read_file((EXAMPLES / "commune.yaml").read_bytes(), "commune.yaml"), owner_unit=tree["P"], by=None
    )
    login(page, live_server.url, "canbo.a1")
    page.goto(f"{live_server.url}/frameworks/{framework.pk}/")
    expect(page.get_by_test_id("max-total")).to_contain_text("100")
    expect(page.get_by_test_id("edit-link")).to_have_count(0)
    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").click()
    assert info.value.suggested_filename.endswith(".xlsx")
