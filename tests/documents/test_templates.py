"""Replacement templates: validation, the index manager's screen, permissions, use by generators."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.shared import Mm

from parindex.core.models import AuditEntry
from parindex.documents import generate as g
from parindex.documents import samples
from parindex.documents.issuers import Issuer
from parindex.documents.models import DocumentKind, DocumentTemplate
from parindex.documents.templates import TemplateError, active_template_bytes, check_docx, validate_template
from tests.documents.docxread import has_page_field, open_docx

pytestmark = pytest.mark.django_db
URL = "/documents/templates/"


def province_template(*, left=35, top=25, header_text="DỰ THẢO") -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(top)
    section.left_margin, section.right_margin = Mm(left), Mm(20)
    if header_text:
        section.header.paragraphs[0].text = header_text
    doc.add_paragraph("Nội dung mẫu sẽ bị thay thế")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def macro_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return buffer.getvalue()


def upload(client, user, unit, data: bytes, *, kind="request_letter", name="mau.docx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user)
    return client.post(
        URL + "upload/",
        {"kind": kind, "owner_unit": unit.pk, "file": SimpleUploadedFile(name, data)},
    )


# --- validation -----------------------------------------------------------------------------------


def test_a_good_template_passes_every_check():
    validate_template("remediation_plan", province_template())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Tệp rỗng."),
        (b"not a zip at all", "Đây không phải tệp Word .docx."),
        (macro_file(), "Không chấp nhận tệp có macro."),
    ],
    ids=["empty", "not-a-zip", "macro"],
)
def test_bad_files_are_refused(data, message):
    with pytest.raises(TemplateError) as exc:
        check_docx(data)
    assert message in exc.value.messages


def test_margins_outside_the_decree_are_refused_with_the_measured_value():
    with pytest.raises(TemplateError) as exc:
        check_docx(province_template(left=25))
    assert exc.value.messages == ["Kích thước lề trái là 25 mm; Nghị định 30/2020 quy định 30–35 mm."]


def test_an_xlsx_renamed_to_docx_is_refused():
    from parindex.core.spreadsheets import OutColumn, write_table

    data = write_table([OutColumn("a")], [["x"]])
    with pytest.raises(TemplateError) as exc:
        check_docx(data)
    assert exc.value.messages == ["Đây không phải tệp Word .docx."]


# --- generators use the active template -----------------------------------------------------------


def test_a_generator_keeps_the_templates_margins_and_header_and_writes_its_own_content(
    tree, province_manager
):
    from parindex.documents.actions import upload_template

    upload_template(
        kind="request_letter",
        owner_unit=tree["P"],
        data=province_template(),
        original_name="mau.docx",
        by=province_manager,
    )
    data = samples.request_letter_data()
    data.issuer = Issuer.from_unit(tree["A1"], signer_name="Ma Văn Thái")  # a commune under the province
    doc = open_docx(g.request_letter(data))
    section = doc.sections[0]
    assert round(section.left_margin.mm) == 35 and round(section.top_margin.mm) == 25
    assert section.header.paragraphs[0].text == "DỰ THẢO"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Nội dung mẫu sẽ bị thay thế" not in text
    assert "Kế hoạch của các đơn vị gửi về UBND xã" in text
    # Other kinds keep the built-in layout.
    plan = open_docx(g.remediation_plan(samples.remediation_plan_data()))
    assert round(plan.sections[0].left_margin.mm) == 30
    # An explicit empty template forces the built-in layout.
    builtin = open_docx(g.request_letter(data, template=b""))
    assert has_page_field(builtin.sections[0].header)


def test_the_nearest_unit_template_wins_over_the_provinces(tree, province_manager, district_manager_a):
    from parindex.documents.actions import upload_template

    upload_template(
        kind="framework",
        owner_unit=tree["P"],
        data=province_template(left=35),
        original_name="p.docx",
        by=province_manager,
    )
    upload_template(
        kind="framework",
        owner_unit=tree["DA"],
        data=province_template(left=32),
        original_name="d.docx",
        by=district_manager_a,
    )
    chosen = Document(io.BytesIO(active_template_bytes("framework", tree["A1"].pk)))
    assert round(chosen.sections[0].left_margin.mm) == 32
    chosen = Document(io.BytesIO(active_template_bytes("framework", tree["B1"].pk)))
    assert round(chosen.sections[0].left_margin.mm) == 35
    assert active_template_bytes("reminder_letter", tree["A1"].pk) is None


# --- the screen --------------------------------------------------------------------------------------


def test_index_manager_uploads_a_template_and_it_becomes_active(client, tree, district_manager_a):
    response = upload(client, district_manager_a, tree["DA"], province_template())
    assert response.status_code == 302
    template = DocumentTemplate.objects.get()
    assert template.is_active and template.owner_unit == tree["DA"] and template.original_name == "mau.docx"
    assert AuditEntry.objects.filter(action="documents.template_uploaded").count() == 1
    page = client.get(URL)
    assert "mau.docx" in page.content.decode()


def test_uploading_a_bad_template_shows_the_vietnamese_reason_and_stores_nothing(
    client, tree, district_manager_a
):
    response = upload(client, district_manager_a, tree["DA"], province_template(left=20))
    assert response.status_code == 400
    assert "Kích thước lề trái là 20 mm; Nghị định 30/2020 quy định 30–35 mm." in response.content.decode()
    response = upload(client, district_manager_a, tree["DA"], macro_file(), name="mau.docm")
    assert "Hãy tải lên tệp Word .docx." in response.content.decode()
    response = upload(client, district_manager_a, tree["DA"], macro_file())
    assert "Không chấp nhận tệp có macro." in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_a_manager_cannot_upload_for_a_unit_outside_their_subtree(client, tree, district_manager_a):
    response = upload(client, district_manager_a, tree["DB"], province_template())
    assert response.status_code == 400  # not among the form's choices
    assert not DocumentTemplate.objects.exists()


def test_revert_goes_back_to_the_builtin_layout_and_activate_brings_a_template_back(
    client, tree, district_manager_a
):
    upload(client, district_manager_a, tree["DA"], province_template(left=32))
    first = DocumentTemplate.objects.get()
    upload(client, district_manager_a, tree["DA"], province_template(left=34))
    second = DocumentTemplate.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert second.is_active and not first.is_active  # one active per kind and unit
    assert client.post(f"{URL}{second.pk}/revert/").status_code == 302
    assert not DocumentTemplate.objects.filter(is_active=True).exists()
    assert active_template_bytes("request_letter", tree["A1"].pk) is None
    assert client.post(f"{URL}{first.pk}/activate/").status_code == 302
    first.refresh_from_db()
    assert first.is_active
    assert set(
        AuditEntry.objects.filter(action__startswith="documents.").values_list("action", flat=True)
    ) == {
        "documents.template_uploaded",
        "documents.template_reverted",
        "documents.template_activated",
    }


def test_builtin_template_downloads_as_docx_for_every_kind(client, tree, district_manager_a):
    client.force_login(district_manager_a)
    for kind in DocumentKind.values:
        response = client.get(f"/documents/built-in/{kind}/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml"
        )
        assert f"{kind}.docx" in response["Content-Disposition"]
        open_docx(response.content)
    assert client.get("/documents/built-in/nonsense/").status_code == 404


def test_template_list_downloads_as_xlsx(client, tree, district_manager_a):
    import openpyxl

    upload(client, district_manager_a, tree["DA"], province_template())
    response = client.get(URL + "?format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A3"].value == "Loại văn bản"
    assert sheet["A4"].value == "Văn bản đề nghị" and sheet["C4"].value == "mau.docx"
    assert sheet.freeze_panes == "A4"


# --- permission matrix ----------------------------------------------------------------------------------

LIST_EXPECTED = {
    "officer_a1": 403,
    "head_a1": 403,
    "officer_a2": 403,
    "officer_b1": 403,
    "district_manager_a": 200,
    "appraiser_province": 403,
    "province_manager": 200,
    "viewer_province": 403,
    "admin_user": 200,
}


@pytest.mark.parametrize(("persona", "expected"), sorted(LIST_EXPECTED.items()))
def test_permission_matrix_of_the_template_screen(client, personas, persona, expected):
    client.force_login(personas[persona])
    assert client.get(URL).status_code == expected
    assert client.get("/documents/built-in/request_letter/").status_code == expected


# Template owned by district A (DA): who may download / activate / revert it.
ITEM_EXPECTED = {
    # persona: (download, activate)
    "officer_a1": (404, 404),  # A1 is below DA, but officers see only their own unit
    "officer_b1": (404, 404),
    "district_manager_a": (200, 302),
    "province_manager": (200, 302),  # index manager of an ancestor
    "appraiser_province": (200, 403),  # sees the subtree's data, may not change templates
    "viewer_province": (404, 404),
    "admin_user": (200, 302),
}


@pytest.mark.parametrize(("persona", "expected"), sorted(ITEM_EXPECTED.items()))
def test_permission_matrix_of_one_template(client, tree, personas, district_manager_a, persona, expected):
    upload(client, district_manager_a, tree["DA"], province_template())
    template = DocumentTemplate.objects.get()
    client.logout()
    client.force_login(personas[persona])
    assert client.get(f"{URL}{template.pk}/download/").status_code == expected[0]
    assert client.post(f"{URL}{template.pk}/activate/").status_code == expected[1]
    assert client.post(f"{URL}{template.pk}/revert/").status_code == expected[1]


def test_a_unit_officer_of_the_owner_unit_gets_403_when_changing_its_template(
    client, tree, province_manager, officer_a1
):
    from parindex.documents.actions import upload_template

    template = upload_template(
        kind="framework",
        owner_unit=tree["A1"],
        data=province_template(),
        original_name="x.docx",
        by=province_manager,
    )
    client.force_login(officer_a1)
    assert client.get(f"{URL}{template.pk}/download/").status_code == 200
    assert client.post(f"{URL}{template.pk}/revert/").status_code == 403


def test_template_list_query_count_does_not_grow_with_templates(
    client, tree, district_manager_a, django_assert_max_num_queries
):
    from parindex.documents.actions import upload_template

    data = province_template()
    client.force_login(district_manager_a)
    upload_template(
        kind="framework", owner_unit=tree["DA"], data=data, original_name="a.docx", by=district_manager_a
    )
    with django_assert_max_num_queries(12) as small:
        client.get(URL)
    for kind in ("request_letter", "reminder_letter", "remediation_plan", "results_decision_annex"):
        for unit in (tree["A1"], tree["A2"]):
            upload_template(
                kind=kind, owner_unit=unit, data=data, original_name="b.docx", by=district_manager_a
            )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL)


def test_nav_entry_is_shown_only_to_index_managers(client, tree, district_manager_a, officer_a1):
    client.force_login(district_manager_a)
    assert 'data-nav="documents"' in client.get("/").content.decode()
    client.force_login(officer_a1)
    assert 'data-nav="documents"' not in client.get("/").content.decode()
