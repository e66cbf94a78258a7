"""Issuing-body lines, symbol, place and signature derived from units of the tree."""

from __future__ import annotations

import pytest

from parindex.documents.issuers import Issuer, place_name
from parindex.units.models import Unit

pytestmark = pytest.mark.django_db


def test_a_commune_issues_as_its_peoples_committee(tree):
    issuer = Issuer.from_unit(tree["A1"], signer_name="Ma Văn Thái")
    assert issuer.issuing_body == ["ỦY BAN NHÂN DÂN", "XÃ YÊN THƯỢNG"]
    assert issuer.parent_body == []
    assert issuer.symbol == "UBND"
    assert issuer.place == "Yên Thượng"
    assert issuer.name == "Ủy ban nhân dân xã Yên Thượng"
    assert issuer.short_name == "UBND xã"
    assert issuer.signature.lines() == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert issuer.signature.name == "Ma Văn Thái"


def test_a_district_office_shows_its_district_committee_above_it(tree):
    issuer = Issuer.from_unit(tree["DA-NV"], signer_name="Hoàng Văn Em", deputy=True)
    assert issuer.parent_body == ["UBND HUYỆN CHỢ ĐỒN"]
    assert issuer.issuing_body == ["PHÒNG NỘI VỤ"]
    assert issuer.symbol == "PNV"
    assert issuer.place == "Chợ Đồn"
    assert issuer.signature.lines() == ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"]


def test_a_department_shows_its_province_committee_and_takes_the_provinces_place(tree):
    issuer = Issuer.from_unit(tree["P-SNV"])
    assert issuer.parent_body == ["UBND TỈNH BẮC KẠN"]
    assert issuer.issuing_body == ["SỞ NỘI VỤ"]
    assert issuer.symbol == "SNV"
    assert issuer.place == "Bắc Kạn"
    assert issuer.signature.lines() == ["GIÁM ĐỐC"]


def test_place_name_drops_the_kind_word_when_there_is_no_short_name(tree):
    ward = Unit.objects.create(code="W1", name="Phường Đức Xuân", kind=Unit.Kind.WARD, parent=tree["P"])
    town = Unit.objects.create(
        code="T1", name="Thị trấn Bằng Lũng", kind=Unit.Kind.COMMUNE, parent=tree["DA"]
    )
    assert place_name(ward) == "Đức Xuân"
    assert place_name(town) == "Bằng Lũng"
    assert Issuer.from_unit(ward).issuing_body == ["ỦY BAN NHÂN DÂN", "PHƯỜNG ĐỨC XUÂN"]


def test_the_drafting_office_goes_into_a_letters_symbol(tree):
    from parindex.documents.official import LETTER, OfficialDocument

    issuer = Issuer.from_unit(tree["DB"], office="NV")
    doc = OfficialDocument(
        doc_type=LETTER,
        issuing_body=issuer.issuing_body,
        place=issuer.place,
        issuer_symbol=issuer.symbol,
        office=issuer.office,
        number=7,
    )
    assert doc.number_line == "Số: 07/UBND-NV"
