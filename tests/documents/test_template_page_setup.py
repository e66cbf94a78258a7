"""A template without page setup (no ``<w:sectPr>``) is refused with a reason, never a 500
(issue 24, finding 4)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from parindex.documents.models import DocumentTemplate
from tests.documents.test_templates import province_template, upload

pytestmark = pytest.mark.django_db


def without_section_properties(data: bytes) -> bytes:
    """The same valid .docx with the body's ``<w:sectPr>`` removed (Word opens it with its defaults)."""
    document = Document(io.BytesIO(data))
    body = document.element.body
    for section in body.findall(qn("w:sectPr")):
        body.remove(section)
    for paragraph_properties in body.iter(qn("w:pPr")):
        for section in paragraph_properties.findall(qn("w:sectPr")):
            paragraph_properties.remove(section)
    buffer = io.BytesIO()
    document.save(buffer)
    result = buffer.getvalue()
    assert b"sectPr" not in result
    Document(io.BytesIO(result))  # still a valid document
    return result


def test_a_template_without_page_setup_is_refused_with_a_message_and_stores_nothing(
    client, tree, district_manager_a
):
    response = upload(client, district_manager_a, tree["DA"], without_section_properties(province_template()))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mẫu không có thiết lập trang" in page
    assert "A4" in page
    assert not DocumentTemplate.objects.exists()


def test_the_refusal_of_a_template_without_page_setup_is_translated(client, tree, district_manager_a):
    client.cookies["django_language"] = "en"
    response = upload(client, district_manager_a, tree["DA"], without_section_properties(province_template()))
    assert response.status_code == 400
    assert "The template has no page setup" in response.content.decode()
