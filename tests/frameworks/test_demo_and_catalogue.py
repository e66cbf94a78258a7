"""The demo step and the completeness of the Vietnamese catalogue."""

from pathlib import Path

import pytest
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style

from parindex.frameworks import demo
from parindex.frameworks.models import Framework

PO = Path(__file__).resolve().parents[2] / "src/parindex/frameworks/locale/vi/LC_MESSAGES/django.po"


@pytest.mark.django_db
def test_demo_imports_both_examples_once_for_the_province(tree, capsys):
    out = OutputWrapper(__import__("sys").stdout)
    demo.build(stdout=out, style=no_style())
    demo.build(stdout=out, style=no_style())
    frameworks = Framework.objects.order_by("name")
    assert frameworks.count() == 2
    assert {f.owner_unit.code for f in frameworks} == {"P"}
    [commune] = Framework.objects.applicable_to(tree["A1"], 2024)
    assert "cấp xã" in commune.name
    assert Framework.objects.applicable_to(tree["A1"], 2030) == []
    assert [f.name for f in Framework.objects.applicable_to(tree["DA"])] == [
        "Bộ chỉ số CCHC sở, ban, ngành và UBND cấp huyện (minh họa)"
    ]


@pytest.mark.django_db
def test_demo_without_a_province_does_nothing(db):
    demo.build(stdout=OutputWrapper(__import__("sys").stdout), style=no_style())
    assert Framework.objects.count() == 0


def test_every_message_of_the_app_is_translated():
    text = PO.read_text()
    assert "#, fuzzy" not in text
    blocks = text.split("\n\n")[1:]
    empty = [b for b in blocks if b.rstrip().endswith('msgstr ""') or b.rstrip().endswith('msgstr[0] ""')]
    assert empty == []
