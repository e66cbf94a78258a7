"""The remaining ASVS items: no inline script in any template, passwords, login throttling,
formula injection in exports."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

import parindex
from parindex.core.spreadsheets import OutColumn, escape_cell, write_table

TEMPLATES = sorted(Path(parindex.__file__).parent.glob("**/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
INLINE_STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)


def test_templates_exist_to_be_checked():
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p).split("/parindex/", 1)[-1])
def test_no_template_has_inline_script_event_handlers_or_style_blocks(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: the CSP blocks it; move it to static/<app>/*.js"
    assert not EVENT_HANDLER.search(text), "on*= handler: the CSP blocks it; bind the event in a static .js"
    assert not JS_URL.search(text), "javascript: URL: the CSP blocks it"
    assert not INLINE_STYLE_BLOCK.search(text), "<style> block: the CSP blocks it; use static/<app>/*.css"
    assert "hx-on" not in text, "hx-on needs eval, which the CSP forbids"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("ngan123", "quá ngắn"),
        ("password123", "quá phổ biến"),
        ("1234567890123", "hoàn toàn là số"),
        ("canbo.a1.2024", "quá giống"),
    ],
)
@pytest.mark.django_db
def test_weak_passwords_are_refused_in_vietnamese(officer_a1, password, message):
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        validate_password(password, user=officer_a1)
    assert message in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_a_good_long_password_is_accepted(officer_a1):
    validate_password("Cải cách hành chính 2024!", user=officer_a1)


@pytest.mark.django_db
def test_login_is_locked_after_five_failures_even_with_the_right_password(client, officer_a1, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "canbo.a1", "password": "sai-mat-khau"})
    locked = client.post(reverse("login"), {"username": "canbo.a1", "password": "mat-khau-thu-nghiem"})
    assert locked.status_code in (403, 429)
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_like_cells_are_escaped_in_exports(text):
    assert escape_cell(text) == "'" + text
    content = write_table([OutColumn("Ghi chú")], [[text]])
    sheet = load_workbook(io.BytesIO(content)).active
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type == "s"
    assert cell.value == "'" + text


def test_ordinary_text_and_numbers_are_left_alone():
    assert escape_cell("Báo cáo quý 1") == "Báo cáo quý 1"
    assert escape_cell(-2) == -2
