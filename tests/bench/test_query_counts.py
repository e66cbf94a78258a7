"""Query-count guards on list, ranking, dashboard and report pages, over generated data.

The same pages are opened on a small and a larger data set made by the load generator (more
units, evidence files, results and remediation items); the number of SQL queries must be the
same. Pages already guarded by their app's own tests are repeated here only when the generated
data exercises them differently (several years, every sheet state, many evidence files).
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parindex.loadgen.generator import Spec, generate

SMALL = Spec(
    provinces=1,
    communes_per_province=3,
    departments_per_province=1,
    years=2,
    evidence=1,
    heavy_evidence=1,
    heavy_file_kb=1,
    last_year=2026,
    seed=3,
)
LARGER = Spec(
    provinces=1,
    communes_per_province=9,
    departments_per_province=3,
    years=2,
    evidence=3,
    heavy_evidence=6,
    heavy_file_kb=1,
    last_year=2026,
    seed=3,
)


class _Rollback(Exception):
    pass


def _urls() -> dict[str, tuple[str, str]]:
    """page name → (username, URL) on the current generated data."""
    from parindex.assessments.models import Assessment, Round
    from parindex.results.models import UnitResult
    from parindex.units.models import Unit

    province = Unit.objects.get(code="LG01")
    commune = Unit.objects.get(code="LG01-X001")
    closed = Round.objects.filter(owner_unit=province, year=2025).select_related("framework")
    closed_commune = next(r for r in closed if "commune" in r.framework.unit_kinds)
    mixed = next(r for r in closed if "department" in r.framework.unit_kinds)
    result = UnitResult.objects.get(unit=commune, publication__round=closed_commune)
    group = reverse("results:group", args=[result.publication_id, result.peer_key])
    open_sheet = Assessment.objects.get(unit=commune, round__year=2026)
    return {
        "home (manager)": ("lg01-manager", reverse("home")),
        "results index": ("lg01-manager", reverse("results:index")),
        "ranking and heat map": ("lg01-manager", group),
        "ranking .xlsx": ("lg01-manager", group + "?format=xlsx"),
        "heat map .xlsx": ("lg01-manager", group + "?format=heatmap"),
        "lost-points statistics": (
            "lg01-manager",
            reverse("results:stats", args=[result.publication_id, result.peer_key]),
        ),
        "unit dashboard": ("lg01-x001-head", reverse("results:unit", args=[commune.pk])),
        "results review": ("lg01-manager", reverse("results:review", args=[closed_commune.pk])),
        "appraisal rounds": ("lg01-manager", reverse("appraisals:rounds")),
        "appraisal round (sheets in every state)": (
            "lg01-manager",
            reverse("appraisals:round", args=[mixed.pk]),
        ),
        "score sheets list (officer)": ("lg01-x001-officer", reverse("assessments:index")),
        "score sheets list (manager)": ("lg01-manager", reverse("assessments:index")),
        "progress table": ("lg01-manager", reverse("assessments:round_progress", args=[open_sheet.round_id])),
        "score sheet": ("lg01-x001-officer", reverse("assessments:sheet", args=[open_sheet.pk])),
        "evidence ZIP": ("lg01-x001-officer", reverse("assessments:evidence_zip", args=[open_sheet.pk])),
        "remediation (manager)": ("lg01-manager", reverse("remediation:index")),
        "remediation items of a unit": (
            "lg01-x001-head",
            reverse("remediation:unit_items", args=[commune.pk]),
        ),
        "remediation compilation": ("lg01-manager", reverse("remediation:compilation")),
        "units list": ("lg01-manager", reverse("units:list")),
    }


def _count(client: Client, url: str) -> int:
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if getattr(response, "streaming", False):
            # Exhausting the stream closes the response; the test client disconnects
            # close_old_connections while it does. A second, explicit close() here would fire
            # request_finished with it connected and close the PostgreSQL connection mid-test.
            for _chunk in response.streaming_content:
                pass

    get()  # warm-up: per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as ctx:
        get()
    return len(ctx.captured_queries)


def _measure(spec: Spec) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    counts: dict[str, int] = {}
    try:
        with transaction.atomic():
            generate(spec, log=lambda line: None)
            clients: dict[str, Client] = {}
            for name, (username, url) in _urls().items():
                if username not in clients:
                    clients[username] = Client()
                    clients[username].force_login(get_user_model().objects.get(username=username))
                counts[name] = _count(clients[username], url)
            raise _Rollback
    except _Rollback:
        return counts


@pytest.mark.django_db
def test_list_ranking_dashboard_and_report_pages_cost_the_same_queries_on_more_data():
    small, larger = _measure(SMALL), _measure(LARGER)
    assert len(small) == len(larger) == 19 and all(n > 0 for n in small.values())
    grows = {name: (small[name], larger[name]) for name in small if small[name] != larger[name]}
    assert not grows, f"query counts that grow with the data (small, larger): {grows}"
