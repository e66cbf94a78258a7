"""Issue 17, defect 12: the offline score sheet downloaded after scoring uploads back unchanged.

(The sheet's format is being reworked under defect 10; this test only pins the round trip: what the
download says is what the sheet holds, so uploading it as it is changes nothing.)
"""

from __future__ import annotations

import pytest

from tests.assessments.test_offline_and_exports import apply, download, fill, upload

pytestmark = pytest.mark.django_db


def _scores(sheet):
    return sorted(
        (s.criterion.code, s.self_points, s.not_applicable, s.note, s.inputs)
        for s in sheet.scores.select_related("criterion")
    )


def test_a_downloaded_offline_sheet_uploads_back_with_the_same_scores(client, officer_a1, sheet_a1):
    client.force_login(officer_a1)
    filled = fill(
        download(client, sheet_a1),
        {
            "1.1": {"Lựa chọn (mức hoặc Có/Không)": "Có"},
            "1.2": {"Lựa chọn (mức hoặc Có/Không)": "Chưa đầy đủ"},
            "1.3": {"Số hoàn thành": 3, "Tổng số": 4},
            "2.2": {"Không áp dụng": "x"},
            "2.3": {"Điểm nhập trực tiếp": 1.25, "Ghi chú": "Theo báo cáo quý IV"},
        },
    )
    upload(client, sheet_a1, filled)
    apply(client, sheet_a1)
    before = _scores(sheet_a1)
    assert any(points is not None for _c, points, *_rest in before)

    again = fill(download(client, sheet_a1), {})
    response = upload(client, sheet_a1, again)
    assert response.status_code == 200
    assert "Tệp không có thay đổi nào so với bảng điểm." in response.content.decode()
    assert _scores(sheet_a1) == before
