"""Browser journey of issue 6: the commune generates its remediation plan from the published result and
submits it, the district approves, the commune records a result with evidence named as in seed 000,
the district verifies it and the district's general plan shows it.

Uses the shared harness of ``tests/e2e/conftest.py`` (``page``, ``login``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e.conftest import login
from tests.remediation.conftest import published  # noqa: F401 — fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def logout(page):
    page.context.clear_cookies()


def test_commune_plan_from_generation_to_verified_result_in_the_general_plan(live_server, page, published, tmp_path):  # noqa: F811
    base = live_server.url
    login(page, base, "canbo.a1")
    page.goto(base + reverse("remediation:index") + "?year=2025")
    page.get_by_test_id("generate-A1").click()
    page.wait_for_url("**/remediation/plans/*/")
    plan_url = page.url
    assert page.get_by_test_id("appendix-1").locator("tbody tr").count() == 1
    rows = page.get_by_test_id("appendix-2").get_by_test_id("item-row")
    assert rows.count() == 3
    assert "1.9" not in page.get_by_test_id("appendix-2").inner_text()  # survey criterion excluded
    item_urls = [rows.nth(i).get_by_test_id("item-link").get_attribute("href") for i in range(3)]
    for href in item_urls:
        page.goto(base + href.rstrip("/") + "/edit/")
        page.fill("#id_solution", "Phân công công chức chủ trì, lưu tài liệu kiểm chứng theo tiêu chí")
        page.fill("#id_cause", "Chưa thực hiện đúng thời hạn")
        page.get_by_test_id("save").click()
        page.wait_for_url(f"**{href}")

    logout(page)
    login(page, base, "chutich.a1")
    page.goto(plan_url)
    page.get_by_test_id("submit-plan").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("plan-status").get_attribute("data-status") == "submitted"

    logout(page)
    login(page, base, "noivu.da")
    assert page.get_by_test_id("remediation-awaiting").is_visible()
    page.goto(plan_url)
    page.get_by_test_id("approve-plan").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("plan-status").get_attribute("data-status") == "approved"

    logout(page)
    login(page, base, "canbo.a1")
    page.goto(base + item_urls[0])
    evidence = tmp_path / "quyet-dinh.pdf"
    evidence.write_bytes(PDF)
    page.fill("#id_result_text", "UBND xã đã ban hành quyết định công nhận sáng kiến")
    page.set_input_files("#id_file", str(evidence))
    page.fill("#id_short_name", "sang kien kinh nghiem")
    page.get_by_test_id("record-result").click()
    page.wait_for_load_state()
    name = page.get_by_test_id("item-evidence").first.inner_text().strip()
    assert name == "Xa Yen Thuong-KQ khac phuc tieu chi 1.2-sang kien kinh nghiem.pdf"
    assert page.get_by_test_id("item-status").first.get_attribute("data-status") == "done"

    logout(page)
    login(page, base, "noivu.da")
    page.goto(base + item_urls[0])
    page.get_by_test_id("verify-item").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("item-verified").is_visible()

    page.goto(base + reverse("remediation:compilation") + "?year=2025")
    general = page.get_by_test_id("general-plan")
    assert general.get_by_test_id("general-item").count() == 3
    first = general.get_by_test_id("general-item").filter(has_text="Tiêu chí 1.2")
    assert first.get_by_test_id("item-verified").is_visible()
    assert "Yên Thượng" in first.inner_text()
    cells = page.locator('[data-testid=compilation] tr[data-unit="A1"] td')
    assert [cells.nth(i).inner_text().strip() for i in (2, 3, 4)] == ["3", "1", "1"]  # items, remedied, verified
