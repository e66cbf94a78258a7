"""Hostile uploads are refused by the evidence service; a hostile file name downloads safely."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from parindex.assessments.evidence import content_bytes, store_upload
from parindex.assessments.models import Evidence, EvidenceLink
from parindex.core.security import contains_active_content
from tests.assessments.factories import make_framework, open_test_round
from tests.deploy import samples

MB = 1024 * 1024


def upload(unit, user, data: bytes, name: str, short_name: str = "Tai lieu"):
    with translation.override("vi"):
        return store_upload(
            unit=unit,
            year=2024,
            uploaded_file=content_bytes(data, name),
            short_name=short_name,
            purpose="1.1",
            by=user,
        )


HOSTILE = [
    pytest.param(samples.windows_exe(), "Quyết định.pdf", "không được chấp nhận", id="renamed-executable"),
    pytest.param(samples.windows_exe(), "setup.exe", "không được chấp nhận", id="executable"),
    pytest.param(
        samples.ooxml("xlsx", bomb_bytes=300 * MB), "Bảng điểm.xlsx", "bất thường", id="zip-bomb-in-xlsx"
    ),
    pytest.param(samples.ooxml("docm", macro=True), "Báo cáo.docm", "macro", id="macro-enabled-docm"),
    pytest.param(samples.ooxml("docx", macro=True), "Báo cáo.docx", "macro", id="macro-renamed-docx"),
    pytest.param(
        b"root:x:0:0:root:/root:/bin/bash\n", "../../etc/passwd", "không được chấp nhận", id="etc-passwd"
    ),
    pytest.param(
        b"<html><script>alert(1)</script></html>", "trang.pdf", "không được chấp nhận", id="html-as-pdf"
    ),
    pytest.param(b"", "trong.pdf", "rỗng", id="empty"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "name", "message"), HOSTILE)
def test_hostile_upload_is_refused_with_a_vietnamese_message(tree, officer_a1, data, name, message):
    with pytest.raises(ValidationError) as refused:
        upload(tree["A1"], officer_a1, data, name)
    assert message in " ".join(refused.value.messages).lower()
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_html_in_png_polyglot_is_refused(tree, officer_a1):
    polyglot = samples.png(trailer=b"<html><body><script>alert(document.cookie)</script></body></html>")
    assert contains_active_content(content_bytes(polyglot, "x.png"))
    with pytest.raises(ValidationError) as exc:
        upload(tree["A1"], officer_a1, polyglot, "ảnh chụp.png")
    assert "mã trang web" in str(exc.value) or "script" in str(exc.value)
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_a_path_in_the_file_name_never_reaches_the_storage(tree, officer_a1):
    evidence = upload(tree["A1"], officer_a1, samples.pdf(), "../../etc/passwd.pdf")
    assert evidence.file.name.startswith(f"evidence/{tree['A1'].pk}/2024/")
    assert ".." not in evidence.file.name
    assert evidence.original_name == "passwd.pdf"
    assert "/" not in evidence.generated_name and ".." not in evidence.generated_name


def test_clean_files_are_not_taken_for_polyglots():
    for data in (samples.png(), samples.pdf(), samples.ooxml("docx")):
        assert not contains_active_content(content_bytes(data, "x"))


@pytest.mark.django_db
def test_vietnamese_file_name_with_quotes_and_semicolons_downloads_safely(
    tree, head_a1, district_manager_a, client
):
    round_ = open_test_round(make_framework(tree["P"]), district_manager_a, tree["DA"])
    sheet = round_.assessments.get(unit=tree["A1"])
    hostile_short = 'Báo cáo "quý 1"; filename=evil.html; x=\r\nSet-Cookie: a=b'
    evidence = upload(
        tree["A1"], head_a1, samples.pdf(), 'Tờ trình "số 5"; đã ký.pdf', short_name=hostile_short
    )
    EvidenceLink.objects.create(score=sheet.scores.get(criterion__code="1.1"), evidence=evidence)
    client.force_login(head_a1)

    response = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    ascii_part = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert not set(ascii_part) & set('";\\/\r\n')
    assert ascii_part.endswith(".pdf")
    assert "\r" not in disposition and "\n" not in disposition
    assert "a=b" not in response.headers.get("Set-Cookie", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == samples.pdf()
