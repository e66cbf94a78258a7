"""Every bad input of the issue, through the pages: a clear Vietnamese message, nothing lost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from parindex.assessments import actions
from parindex.assessments.models import Assessment, Evidence, Round
from tests.assessments.factories import PDF_BYTES, score_of

pytestmark = pytest.mark.django_db


def post_leaf(client, sheet, score, **data):
    data.setdefault("version", score.version)
    return client.post(
        reverse("assessments:save_score", args=[sheet.pk, score.pk]), data, HTTP_HX_REQUEST="true"
    )


@pytest.fixture
def officer(client, officer_a1):
    client.force_login(officer_a1)
    return client


@pytest.fixture
def scored_manual(sheet_a1, officer_a1):
    """Leaf 2.3 (manual, max 2) already at 1,5 — bad input must not lose it."""
    return actions.save_score(
        score=score_of(sheet_a1, "2.3"), by=officer_a1, expected_version=1, raw_inputs={"value": "1,5"}
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2,25", "Điểm phải từ 0 đến 2."),
        ("-1", "không được âm"),
        ("abc", "không phải là số"),
    ],
)
def test_points_outside_zero_to_max_or_not_a_number_are_refused(
    officer, sheet_a1, scored_manual, typed, message
):
    response = post_leaf(officer, sheet_a1, scored_manual, in_value=typed)
    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html  # what the user typed stays in the field
    scored_manual.refresh_from_db()
    assert scored_manual.self_points == Decimal("1.5")


def test_a_level_that_does_not_exist_is_refused(officer, sheet_a1):
    leaf = score_of(sheet_a1, "1.2")
    html = post_leaf(officer, sheet_a1, leaf, in_level="xuat-sac").content.decode()
    assert "“xuat-sac” không phải là một mức của tiêu chí này" in html
    leaf.refresh_from_db()
    assert leaf.self_points is None and leaf.version == 1


def test_a_ratio_with_a_zero_denominator_is_refused(officer, sheet_a1):
    leaf = score_of(sheet_a1, "1.3")
    html = post_leaf(officer, sheet_a1, leaf, in_numerator="0", in_denominator="0").content.decode()
    assert "Tổng số (mẫu số) bằng 0 nên không tính được tỷ lệ." in html
    leaf.refresh_from_db()
    assert leaf.self_points is None


def test_a_stale_edit_is_refused_and_shows_the_current_value(officer, sheet_a1, head_a1):
    leaf = score_of(sheet_a1, "1.3")
    actions.save_score(
        score=leaf, by=head_a1, expected_version=1, raw_inputs={"numerator": "4", "denominator": "4"}
    )
    html = post_leaf(
        officer, sheet_a1, leaf, version=1, in_numerator="1", in_denominator="4"
    ).content.decode()
    assert "Người khác (Trần Thị Bình) đã sửa tiêu chí này sau khi bạn mở trang" in html
    assert "Giá trị hiện tại: 5 điểm" in html
    assert 'name="version" value="2"' in html  # the row now carries the current version
    leaf.refresh_from_db()
    assert leaf.self_points == Decimal(5)


def upload_evidence(client, sheet, score, name, data):
    return client.post(
        reverse("assessments:add_evidence", args=[sheet.pk, score.pk]),
        {"kind": "upload", "short_name": "Tài liệu", "file": SimpleUploadedFile(name, data)},
        HTTP_HX_REQUEST="true",
    )


def test_a_file_of_the_wrong_type_is_refused(officer, sheet_a1):
    leaf = score_of(sheet_a1, "1.1")
    html = upload_evidence(
        officer, sheet_a1, leaf, "hop-le.pdf", b"MZ\x90\x00" + b"\x00" * 300
    ).content.decode()
    assert "Loại tệp này không được chấp nhận" in html
    assert not Evidence.objects.exists()


def test_a_file_that_is_too_large_is_refused(officer, sheet_a1, settings):
    settings.UPLOAD_MAX_MB = 1
    leaf = score_of(sheet_a1, "1.1")
    html = upload_evidence(
        officer, sheet_a1, leaf, "lon.pdf", PDF_BYTES + b"0" * (1024 * 1024 + 10)
    ).content.decode()
    assert "Tệp quá lớn" in html and "giới hạn là 1 MB" in html
    assert not Evidence.objects.exists()


def test_a_path_traversal_file_name_is_harmless(officer, sheet_a1, settings):
    leaf = score_of(sheet_a1, "1.1")
    response = upload_evidence(officer, sheet_a1, leaf, "../../../../tmp/evil.pdf", PDF_BYTES)
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.file.name.startswith(f"evidence/{sheet_a1.unit_id}/2023/")
    assert "evil" not in evidence.file.name and ".." not in evidence.original_name
    stored = (settings.MEDIA_ROOT / evidence.file.name).resolve()
    assert str(stored).startswith(str(settings.MEDIA_ROOT.resolve()))


def test_submitting_after_the_deadline_is_refused(client, sheet_a1, head_a1, round_a):
    Round.objects.filter(pk=round_a.pk).update(self_deadline=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(head_a1)
    response = client.post(reverse("assessments:submit", args=[sheet_a1.pk]), follow=True)
    assert "Đã quá hạn tự đánh giá" in response.content.decode()
    assert Assessment.objects.get(pk=sheet_a1.pk).status == Assessment.Status.DRAFT


def test_submitting_twice_is_refused(client, sheet_a1, head_a1):
    client.force_login(head_a1)
    client.post(reverse("assessments:submit", args=[sheet_a1.pk]))
    first = Assessment.objects.get(pk=sheet_a1.pk)
    response = client.post(reverse("assessments:submit", args=[sheet_a1.pk]), follow=True)
    assert "Bảng tự chấm điểm đã được gửi rồi." in response.content.decode()
    again = Assessment.objects.get(pk=sheet_a1.pk)
    assert again.submitted_at == first.submitted_at and again.version == first.version


def test_submission_by_someone_who_is_not_the_head_is_refused(
    client, sheet_a1, officer_a1, district_manager_a
):
    for user in (officer_a1, district_manager_a):
        client.force_login(user)
        response = client.post(reverse("assessments:submit", args=[sheet_a1.pk]))
        assert response.status_code == 403
        assert "Chỉ thủ trưởng đơn vị mới được gửi bảng tự chấm điểm." in response.content.decode()
    assert Assessment.objects.get(pk=sheet_a1.pk).status == Assessment.Status.DRAFT


def test_the_confirmation_page_lists_blockers_and_disables_the_button(client, sheet_a1, officer_a1, head_a1):
    actions.save_score(
        score=score_of(sheet_a1, "1.1"), by=officer_a1, expected_version=1, raw_inputs={"value": "1"}
    )
    client.force_login(head_a1)
    html = client.get(reverse("assessments:submit", args=[sheet_a1.pk])).content.decode()
    assert 'data-testid="blockers"' in html
    assert "Ban hành kế hoạch CCHC năm" in html
    assert 'data-testid="confirm-submit" disabled' in html
    response = client.post(reverse("assessments:submit", args=[sheet_a1.pk]), follow=True)
    assert "chưa có tài liệu kiểm chứng hoặc giải trình: 1.1" in response.content.decode()


def test_a_ratio_with_more_done_than_the_total_is_refused_on_the_sheet_page(officer, sheet_a1):
    leaf = score_of(sheet_a1, "1.3")
    html = post_leaf(officer, sheet_a1, leaf, in_numerator="6", in_denominator="5").content.decode()
    assert "Số hoàn thành (6) không được lớn hơn tổng số (5)." in html
    leaf.refresh_from_db()
    assert leaf.self_points is None and leaf.inputs == {} and leaf.version == 1


def test_a_ratio_with_more_done_than_the_total_is_refused_by_the_api_in_both_languages(sheet_a1, officer_a1):
    from parindex.api.actions import create_token
    from tests.api.conftest import Api

    token = create_token(user=officer_a1, name="test")[1]
    leaf = score_of(sheet_a1, "1.3")
    path = f"sheets/{sheet_a1.pk}/scores/{leaf.pk}"
    body = {"version": leaf.version, "inputs": {"numerator": "6", "denominator": "5"}}
    vi = Api(token).put_json(path, body)
    assert vi.status_code == 422
    assert "Số hoàn thành (6) không được lớn hơn tổng số (5)." in vi.json()["detail"]
    en = Api(token, language="en").put_json(path, body)
    assert "The number done (6) must not be greater than the total (5)." in en.json()["detail"]
    leaf.refresh_from_db()
    assert leaf.self_points is None and leaf.version == 1
    # Exactly the total is full points, as before.
    ok = Api(token).put_json(path, {**body, "inputs": {"numerator": "5", "denominator": "5"}})
    assert ok.status_code == 200 and Decimal(ok.json()["self_points"]) == Decimal(5)
