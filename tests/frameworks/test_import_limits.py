"""Framework files that would tie up a worker: quadratic unit types, YAML alias bombs, oversized
lists and files (issue 24, finding 1). The files are refused or read in bounded work; nothing
is written when they are refused."""

from __future__ import annotations

import io

import pytest
import yaml

from parindex.core.spreadsheets import SpreadsheetError
from parindex.frameworks import transfer
from parindex.frameworks.models import Framework
from parindex.frameworks.transfer import (
    MAX_BANDS,
    MAX_CRITERIA,
    MAX_YAML_BYTES,
    read_file,
    read_yaml,
    write_yaml,
)

from .conftest import small_data, xlsx_bytes

pytestmark = pytest.mark.django_db


def yaml_with(data=None, **header) -> str:
    """The small framework as YAML, with header fields replaced by raw YAML text."""
    text = write_yaml(data or small_data())
    document = yaml.safe_load(text)
    lines = text.splitlines()
    for name, raw in header.items():
        assert name in document["framework"]
        index = next(i for i, line in enumerate(lines) if line.startswith(f"  {name}:"))
        # Drop the field's old value (block lists continue on indented "  - " lines).
        end = index + 1
        while end < len(lines) and lines[end].startswith("  - "):
            end += 1
        lines[index:end] = [f"  {name}: {raw}"]
    return "\n".join(lines) + "\n"


def alias_bomb(levels: int, width: int = 9) -> str:
    """The "billion laughs" in YAML: each level a list of ``width`` aliases of the one below."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        items = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{items}]")
    bomb = "\n".join(lines)
    return bomb + "\n" + yaml_with(description=f"*a{levels}")


def test_yaml_alias_bomb_is_refused_with_its_message_and_nothing_is_written(tree):
    # Six levels expand to 531,441 strings (the probe's 532-byte file had more and took 12.6 s, +700 MB).
    text = alias_bomb(levels=6)
    with pytest.raises(SpreadsheetError) as caught:
        read_file(text.encode(), "bom.yaml")
    message = str(caught.value)
    assert "anchor or alias (& or *)" in message or "neo hoặc bí danh (& hoặc *)" in message
    assert "line 1" in message or "dòng 1" in message
    assert Framework.objects.count() == 0


def test_the_probes_billion_string_alias_bomb_is_refused_at_its_first_anchor(tree):
    # Ten levels of nine aliases: 3.5 billion strings if expanded (the probe's file grew ×10 per 26 bytes).
    text = alias_bomb(levels=10)
    assert len(alias_bomb(levels=10).split("name:")[0]) < 600
    with pytest.raises(SpreadsheetError) as caught:
        read_file(text.encode(), "bom.yaml")
    assert len(caught.value.errors) == 1 and "(& " in caught.value.errors[0].message


def test_yaml_with_a_single_anchor_and_alias_is_refused_too(tree):
    text = yaml_with(name='&n "Bộ tiêu chí"', description="*n")
    with pytest.raises(SpreadsheetError) as caught:
        read_yaml(text.encode())
    assert len(caught.value.errors) == 1
    assert "(& " in caught.value.errors[0].message


def test_a_yaml_listing_the_same_unit_kind_2000_times_reads_with_each_kind_once_in_linear_work(
    tree, monkeypatch
):
    calls = 0
    real = transfer.search_key

    def counting(text):
        nonlocal calls
        calls += 1
        return real(text)

    monkeypatch.setattr(transfer, "search_key", counting)
    n = 2000
    kinds = "[" + ", ".join(["commune", "ward"] * (n // 2)) + "]"
    data = read_yaml(yaml_with(unit_kinds=kinds).encode())
    assert data.unit_kinds == ["commune", "ward"]
    # A few lookups per listed kind (plus the label map and the criteria), never n² / 2 = 2,000,000.
    assert calls < 10 * n


def test_twenty_thousand_repeated_unit_kinds_with_commas_in_labels_read_at_once(tree):
    n = 20_000
    text = "; ".join(["Xã", "Sở, ban, ngành", "phường"] * (n // 2))
    data = small_data()
    document = yaml.safe_load(write_yaml(data))
    document["framework"]["unit_kinds"] = text
    result = read_yaml(yaml.safe_dump(document, allow_unicode=True).encode())
    assert result.unit_kinds == ["commune", "department", "ward"]


def test_labels_with_commas_are_still_read_as_one_unit_kind(tree):
    data = read_yaml(yaml_with(unit_kinds='"Sở, ban, ngành, Xã"').encode())
    assert data.unit_kinds == ["department", "commune"]


def test_a_yaml_over_the_size_limit_is_refused_before_it_is_parsed(tree, monkeypatch):
    def never(*args, **kwargs):  # the parser must not even start
        raise AssertionError("parsed")

    monkeypatch.setattr(transfer, "_load_yaml", never)
    text = yaml_with() + "#" + "x" * (MAX_YAML_BYTES + 100_000) + "\n"
    with pytest.raises(SpreadsheetError) as caught:
        read_file(text.encode(), "lon.yaml")
    assert "(2,1 MB)" in str(caught.value) and "2 MB" in str(caught.value)


def test_a_yaml_with_more_criteria_than_the_limit_is_refused_with_the_count(tree):
    document = yaml.safe_load(write_yaml(small_data()))
    document["criteria"] = [{"code": str(i), "title": "x", "max_points": 1} for i in range(MAX_CRITERIA + 1)]
    with pytest.raises(SpreadsheetError) as caught:
        read_yaml(yaml.safe_dump(document).encode())
    message = str(caught.value)
    assert "2.001" in message and "2.000" in message


def test_a_yaml_with_too_many_bands_is_refused(tree):
    document = yaml.safe_load(write_yaml(small_data()))
    document["bands"] = [{"label": f"B{i}", "lower_bound": 100 - i} for i in range(MAX_BANDS + 1)]
    with pytest.raises(SpreadsheetError):
        read_yaml(yaml.safe_dump(document).encode())


def test_deeply_nested_yaml_is_refused_without_a_recursion_error(tree):
    text = yaml_with(description="[" * 5000 + "]" * 5000)
    with pytest.raises(SpreadsheetError) as caught:
        read_yaml(text.encode())
    assert "nested too deeply" in str(caught.value) or "lồng" in str(caught.value)


def test_a_yaml_integer_python_cannot_build_is_refused_with_a_message(tree):
    text = yaml_with(valid_from_year="1" * 5000)
    with pytest.raises(SpreadsheetError):
        read_yaml(text.encode())


def test_an_xlsx_with_more_criteria_rows_than_the_limit_is_refused(tree):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(xlsx_bytes(small_data())))
    sheet = workbook[transfer.SHEET_CRITERIA]
    for i in range(MAX_CRITERIA + 1):
        sheet.append([f"9.{i}", "", "x", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(SpreadsheetError) as caught:
        read_file(buffer.getvalue(), "lon.xlsx")
    assert "2.000" in str(caught.value)


def test_a_framework_file_with_many_errors_lists_the_first_hundred_after_their_total_on_the_job_page(
    client, province_manager, tree
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.core.job_helpers import job_of, job_page

    document = yaml.safe_load(write_yaml(small_data()))
    document["criteria"] = [{"code": f"1.{i}", "title": "x", "max_points": "1,5đ"} for i in range(150)]
    client.force_login(province_manager)
    upload = SimpleUploadedFile("bo.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    job = job_of(client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["P"].pk}))
    job.refresh_from_db()
    assert job.status == "failed"
    assert len(job.details) == 101
    assert job.details[0] == "Tệp: Tệp có 150 lỗi; dưới đây liệt kê 100 lỗi đầu tiên."
    assert "Tệp có 150 lỗi; dưới đây liệt kê 100 lỗi đầu tiên." in job_page(client, job)
    assert Framework.objects.count() == 0


def test_a_yaml_over_its_limit_is_refused_by_the_upload_form_without_a_job(client, province_manager, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from parindex.requests.models import UserJob

    client.force_login(province_manager)
    upload = SimpleUploadedFile("bo.yaml", b"#" * (MAX_YAML_BYTES + 1))
    response = client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["P"].pk})
    assert response.status_code == 400
    assert "chỉ chấp nhận tối đa 2 MB" in response.content.decode()
    assert not UserJob.objects.exists()
