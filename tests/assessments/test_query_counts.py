"""Query-count guards: pages whose data grows must not grow their number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parindex.assessments import actions
from parindex.assessments.evidence import content_bytes
from parindex.units.models import Unit
from tests.assessments.factories import PDF_BYTES, make_framework, open_test_round, score_of

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def sheet_with(tree, manager, officer, *, extra_leaves: int, files: int, name: str):
    framework = make_framework(tree["P"], extra_leaves=extra_leaves, name=name)
    round_ = open_test_round(framework, manager, tree["DA"], units=[tree["A1"]], name=name)
    sheet = round_.assessments.get()
    leaves = list(sheet.scores.select_related("criterion").exclude(criterion__method="survey"))
    for i in range(files):
        leaf = leaves[i % len(leaves)]
        actions.upload_evidence(
            score=leaf,
            by=officer,
            uploaded_file=content_bytes(PDF_BYTES, f"{i}.pdf"),
            short_name=f"Tài liệu {i}",
        )
        actions.save_score(
            score=score_of(sheet, leaf.criterion.code),
            by=officer,
            expected_version=score_of(sheet, leaf.criterion.code).version,
            raw_inputs={"value": "1"} if leaf.criterion.method == "binary" else {},
        )
    return sheet


def test_score_sheet_queries_do_not_grow_with_leaves_or_evidence(
    client, tree, district_manager_a, officer_a1
):
    small = sheet_with(tree, district_manager_a, officer_a1, extra_leaves=0, files=1, name="Nhỏ")
    large = sheet_with(tree, district_manager_a, officer_a1, extra_leaves=25, files=12, name="Lớn")
    assert large.scores.count() > 4 * small.scores.count()
    client.force_login(officer_a1)
    url_small = reverse("assessments:sheet", args=[small.pk])
    url_large = reverse("assessments:sheet", args=[large.pk])
    count_queries(client, url_small)  # warm the session
    assert count_queries(client, url_small) == count_queries(client, url_large)


def test_htmx_leaf_save_queries_do_not_grow_with_the_sheet(client, tree, district_manager_a, officer_a1):
    small = sheet_with(tree, district_manager_a, officer_a1, extra_leaves=0, files=0, name="Nhỏ")
    large = sheet_with(tree, district_manager_a, officer_a1, extra_leaves=25, files=6, name="Lớn")
    client.force_login(officer_a1)

    def save(sheet):
        leaf = score_of(sheet, "1.3")
        with CaptureQueriesContext(connection) as ctx:
            client.post(
                reverse("assessments:save_score", args=[sheet.pk, leaf.pk]),
                {"version": leaf.version, "in_numerator": "1", "in_denominator": "2"},
                HTTP_HX_REQUEST="true",
            )
        return len(ctx.captured_queries)

    save(small)
    assert save(small) == save(large)


def test_round_progress_queries_do_not_grow_with_units(client, tree, district_manager_a, framework):
    client.force_login(district_manager_a)
    first = open_test_round(framework, district_manager_a, tree["DA"], name="Hai xã")
    for i in range(6):
        Unit.objects.create(code=f"A-x{i}", name=f"Xã Thêm {i}", kind=Unit.Kind.COMMUNE, parent=tree["DA"])
    second = open_test_round(framework, district_manager_a, tree["DA"], name="Tám xã")
    assert second.assessments.count() == 8
    count_queries(client, reverse("assessments:round_progress", args=[first.pk]))
    assert count_queries(client, reverse("assessments:round_progress", args=[first.pk])) == count_queries(
        client, reverse("assessments:round_progress", args=[second.pk])
    )


def test_todo_and_home_queries_do_not_grow_with_assignments(client, sheet_a1, head_a1, officer_a1, framework):
    from django.db.models import Q

    client.force_login(officer_a1)
    areas = list(framework.criteria.filter(depth=1).order_by("sort_key"))
    actions.assign(assessment=sheet_a1, criterion=areas[0], by=head_a1, officer=officer_a1)
    for url in (reverse("assessments:todo"), reverse("home"), reverse("assessments:index")):
        count_queries(client, url)
    small = [
        count_queries(client, url)
        for url in (reverse("assessments:todo"), reverse("home"), reverse("assessments:index"))
    ]
    actions.assign(assessment=sheet_a1, criterion=areas[1], by=head_a1, officer=officer_a1)
    for leaf in framework.criteria.filter(Q(is_leaf=True) & ~Q(method="survey")):
        actions.assign(assessment=sheet_a1, criterion=leaf, by=head_a1, officer=officer_a1)
    large = [
        count_queries(client, url)
        for url in (reverse("assessments:todo"), reverse("home"), reverse("assessments:index"))
    ]
    assert small == large
