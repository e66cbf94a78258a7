"""In-process measurements against a generated data set (run by bench/run.py, one size at a time).

Usage: DATABASE_URL=... PARINDEX_DATA_DIR=... python bench/measure.py --out result.json [--repeat 20]

Every page is requested through Django's test client as the user who would open it; the
computations call the same action functions the pages call. Writes (publication, recompute,
saving a leaf) run inside a transaction that is rolled back, so the data set can be measured
again. Prints nothing but progress; bench/run.py prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from contextlib import contextmanager

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")


class Rollback(Exception):
    pass


def pct(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextmanager
def rolled_back():
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


def peak_memory(fn) -> float:
    """Peak Python memory (MB) allocated while ``fn`` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024 / 1024


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def consume(response) -> int:
    """Read a response like a browser would; streamed bodies chunk by chunk (never joined)."""
    if getattr(response, "streaming", False):
        n = 0
        for chunk in response.streaming_content:
            n += len(chunk)
        response.close()
        return n
    return len(response.content)


def main():  # noqa: C901, PLR0915 — one linear script, easier to read whole
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "20")))
    parser.add_argument(
        "--compute-repeat", type=int, default=int(os.environ.get("BENCH_COMPUTE_REPEAT", "3"))
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from parindex.appraisals.models import AppraisalEntry, AppraisalSheet, SurveyScore
    from parindex.assessments.models import Assessment, Round, Score
    from parindex.results import actions as results_actions
    from parindex.results.models import Publication, UnitResult
    from parindex.units.models import Unit

    User = get_user_model()
    out: dict = {"vendor": connection.vendor, "ops": {}, "load": {}}
    ops = out["ops"]

    province = Unit.objects.get(code="LG01")
    ministry = Unit.objects.get(code="LG-BNV")
    years = sorted(set(Round.objects.values_list("year", flat=True)))
    open_year, closed_year = years[-1], (years[-2] if len(years) > 1 else None)
    units_total = Unit.objects.count()
    out["data"] = {
        "units": units_total,
        "scores": Score.objects.count(),
        "unit_results": UnitResult.objects.count(),
        "years": len(years),
        "communes": Unit.objects.filter(kind__in=["commune", "ward", "special_zone"]).count(),
    }
    manager = User.objects.get(username="lg01-manager")
    bnv = User.objects.get(username="lg-bnv-manager")
    officer = User.objects.get(username="lg01-x002-officer")
    heavy_officer = User.objects.get(username="lg01-x001-officer")
    head = User.objects.get(username="lg01-x001-head")

    def client_for(user):
        c = Client()
        c.force_login(user)
        return c

    def record(name, *, times=None, queries=None, memory=None, lower=None, extra=None):
        row = {"name": name}
        if times:
            row.update(median=statistics.median(times), p95=pct(times, 95), n=len(times))
        if queries is not None:
            row["queries"] = queries
        if memory is not None:
            row["memory_mb"] = memory
        if lower is not None:
            row["lower_bound"] = lower
        row.update(extra or {})
        ops[name] = row
        print(f"  {name}: {row}", file=sys.stderr)

    # --- computations --------------------------------------------------------------------------------
    entry_t, sheet_t = AppraisalEntry._meta.db_table, AppraisalSheet._meta.db_table
    ass_t, unit_t, survey_t = Assessment._meta.db_table, Unit._meta.db_table, SurveyScore._meta.db_table
    # Table names come from model meta; values are bound parameters.
    lower_sql = f"""
        SELECT unit_id, kind, total, RANK() OVER (PARTITION BY kind ORDER BY total DESC) FROM (
          SELECT a.unit_id AS unit_id, u.kind AS kind,
                 SUM(COALESCE(e2.points, e1.points, 0))
                 + COALESCE((SELECT SUM(ss.points) FROM {survey_t} ss
                             WHERE ss.round_id = a.round_id AND ss.unit_id = a.unit_id), 0) AS total
          FROM {entry_t} e1
          JOIN {sheet_t} s ON s.id = e1.sheet_id
          JOIN {ass_t} a ON a.id = s.assessment_id
          JOIN {unit_t} u ON u.id = a.unit_id
          LEFT JOIN {entry_t} e2 ON e2.sheet_id = e1.sheet_id AND e2.criterion_id = e1.criterion_id
                                 AND e2.round_number = 2
          WHERE a.round_id = %s AND e1.round_number = 1 AND s.status = 'appraised'
          GROUP BY a.unit_id, u.kind, a.round_id) t
    """  # noqa: S608

    def lower_bound(round_id, repeat=3):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(lower_sql, [round_id])
                return cursor.fetchall()

        run()
        return statistics.median(timed(run, repeat))

    def republish(round_, user, *, full: bool, repeat: int):
        """Drop the stored publication (untimed), then time compute (+ approve + publish when full)."""
        times = []
        for _ in range(repeat):
            with rolled_back():
                Publication.objects.filter(round=round_).delete()
                Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPRAISAL)
                started = time.perf_counter()
                publication = results_actions.compute_results(round=round_, by=user)
                if full:
                    publication = results_actions.approve_results(
                        publication=publication,
                        by=user,
                        decision_number="1/QĐ-BENCH",
                        decision_date=publication.computed_at.date(),
                    )
                    results_actions.publish_results(publication=publication, by=user)
                times.append(time.perf_counter() - started)
        with rolled_back():  # one more run for memory and queries together (tracemalloc slows it: untimed)
            Publication.objects.filter(round=round_).delete()
            counted = {}
            memory = peak_memory(
                lambda: counted.setdefault(
                    "n", count_queries(lambda: results_actions.compute_results(round=round_, by=user))
                )
            )
        return times, memory, counted["n"]

    if closed_year:
        province_round = next(
            r
            for r in Round.objects.filter(owner_unit=province, year=closed_year).select_related("framework")
            if "commune" in r.framework.unit_kinds
        )
        n_units = province_round.assessments.count()
        times, memory, queries = republish(province_round, manager, full=True, repeat=args.compute_repeat)
        record(
            "publish a province round",
            times=times,
            memory=memory,
            queries=queries,
            lower=lower_bound(province_round.pk),
            extra={"units": n_units, "kind": "computation"},
        )
        national_round = Round.objects.filter(owner_unit=ministry, year=closed_year).first()
        if national_round:
            n_units = national_round.assessments.count()
            # The national computation is long: BENCH_NATIONAL_REPEAT (default 1) timed runs.
            times, memory, queries = republish(
                national_round, bnv, full=False, repeat=int(os.environ.get("BENCH_NATIONAL_REPEAT", "1"))
            )
            record(
                "recompute the national ranking",
                times=times,
                memory=memory,
                queries=queries,
                lower=lower_bound(national_round.pk),
                extra={"units": n_units, "kind": "computation"},
            )

    # --- pages ---------------------------------------------------------------------------------------
    def page(name, client, url, *, method="get", data_fn=None, headers=None, extra=None):
        def one():
            if method == "post":
                response = client.post(url, data_fn(), **(headers or {}))
            else:
                response = client.get(url, **(headers or {}))
            consume(response)
            assert response.status_code in (200, 302), (name, url, response.status_code)
            return response

        one()  # warm-up (templates, translations, connection)
        # The fewest of two: the session's "last seen" is written now and then (one more query).
        queries = min(count_queries(one), count_queries(one))
        times = timed(one, args.repeat)
        memory = peak_memory(one)
        record(
            name,
            times=times,
            queries=queries,
            memory=memory,
            extra={"url": url, "kind": "page", **(extra or {})},
        )

    open_sheet = Assessment.objects.get(
        unit__code="LG01-X002", round__year=open_year, round__owner_unit=province
    )
    heavy_sheet = Assessment.objects.get(
        unit__code="LG01-X001", round__year=open_year, round__owner_unit=province
    )
    officer_client = client_for(officer)
    page("open a score sheet", officer_client, reverse("assessments:sheet", args=[open_sheet.pk]))

    score = (
        Score.objects.filter(assessment=open_sheet, criterion__method="manual")
        .order_by("criterion__sort_key")
        .first()
    )
    leaf_url = reverse("assessments:save_score", args=[open_sheet.pk, score.pk])
    values = iter(["0.25", "0.5"] * 10_000)

    def leaf_data():
        current = Score.objects.only("version").get(pk=score.pk)
        return {"version": current.version, "in_value": next(values), "note": "bench"}

    with rolled_back():
        page(
            "save one leaf",
            officer_client,
            leaf_url,
            method="post",
            data_fn=leaf_data,
            headers={"HTTP_HX_REQUEST": "true"},
        )

    manager_client = client_for(manager)
    bnv_client = client_for(bnv)
    published = {}
    if closed_year:
        for label, pub_filter, client in (
            ("province", {"round__owner_unit": province}, manager_client),
            ("national", {"round__owner_unit": ministry}, bnv_client),
        ):
            row = (
                UnitResult.objects.filter(
                    year=closed_year,
                    unit_kind="commune",
                    **{f"publication__{k}": v for k, v in pub_filter.items()},
                )
                .values("publication_id", "peer_key")
                .first()
            )
            if row:
                published[label] = (
                    reverse("results:group", args=[row["publication_id"], row["peer_key"]]),
                    client,
                )
        if "province" in published:
            url, client = published["province"]
            page("province ranking page", client, url)
        if "national" in published:
            url, client = published["national"]
            page("heat-map page (national, every commune)", client, url)
        page("unit dashboard", client_for(head), reverse("results:unit", args=[heavy_sheet.unit_id]))
    progress_round = open_sheet.round
    page(
        "manager's progress table",
        manager_client,
        reverse("assessments:round_progress", args=[progress_round.pk]),
        extra={"units": progress_round.assessments.count()},
    )

    # --- export and ZIP --------------------------------------------------------------------------------
    if "national" in published:
        url, client = published["national"]
        xlsx = url + "?format=xlsx"
        client.get(xlsx)
        times = timed(lambda: consume(client.get(xlsx)), max(3, args.compute_repeat))
        memory = peak_memory(lambda: consume(client.get(xlsx)))
        queries = min(count_queries(lambda: consume(client.get(xlsx))) for _ in range(2))
        pub_id, peer = url.rstrip("/").split("/")[-2:]

        def read_rows():
            with connection.cursor() as cursor:
                cursor.execute(  # table name from model meta, values bound
                    f"SELECT unit_code, unit_name, points, total, index_percent, rank, rank_of, class_label "  # noqa: S608
                    f"FROM {UnitResult._meta.db_table} WHERE publication_id = %s AND peer_key = %s ORDER BY rank",
                    [int(pub_id), peer],
                )
                return cursor.fetchall()

        read_rows()
        lower = statistics.median(timed(read_rows, 5))
        rows = UnitResult.objects.filter(publication_id=int(pub_id), peer_key=peer).count()
        record(
            "export the national ranking (.xlsx)",
            times=times,
            memory=memory,
            queries=queries,
            lower=lower,
            extra={"units": rows, "kind": "computation"},
        )

    zips = {}
    # A small sheet's ZIP is a direct download; a large one (over assessments.views
    # ZIP_DIRECT_MAX_BYTES) is built by the background job: measured here by running the job
    # function inline (django-tasks' immediate backend) and reading the stored result's size.
    url = reverse("assessments:evidence_zip", args=[open_sheet.pk])
    size = consume(officer_client.get(url))
    zips["small"] = {
        "bytes": size,
        "memory_mb": peak_memory(lambda: consume(officer_client.get(url))),
    }
    record(
        "evidence ZIP of one sheet (small, download)",
        times=timed(lambda: consume(officer_client.get(url)), 3),
        memory=zips["small"]["memory_mb"],
        queries=min(count_queries(lambda: consume(officer_client.get(url))) for _ in range(2)),
        extra={"bytes": size, "kind": "download"},
    )

    def zip_job() -> int:
        from django.test import override_settings

        from parindex.core.jobs import start_user_job

        inline = {
            "default": {
                "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                "ENQUEUE_ON_COMMIT": False,
            }
        }
        with override_settings(TASKS=inline):
            job = start_user_job(
                user=heavy_officer,
                label="bench: evidence ZIP",
                func_path="parindex.assessments.jobs.evidence_zip",
                kwargs={"sheet_id": heavy_sheet.pk},
            )
        job.refresh_from_db()
        if job.status != "succeeded":
            raise RuntimeError(f"the evidence ZIP job failed: {job.error}")
        length = job.result_file.size
        job.result_file.delete(save=False)
        job.delete()
        return length

    size = zip_job()
    zips["large"] = {"bytes": size, "memory_mb": peak_memory(zip_job)}
    record(
        "evidence ZIP of one sheet (large, background job)",
        times=timed(zip_job, 3),
        memory=zips["large"]["memory_mb"],
        queries=min(count_queries(zip_job) for _ in range(2)),
        extra={"bytes": size, "kind": "job"},
    )
    out["zip"] = zips

    # --- what the load run needs (sessions, URLs, CSRF) ----------------------------------------------------
    def session(client):
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    officer_client.get(reverse("assessments:sheet", args=[open_sheet.pk]))
    csrf = officer_client.cookies[settings.CSRF_COOKIE_NAME].value
    leaf_scores = list(
        Score.objects.filter(assessment=open_sheet, criterion__method="manual")
        .order_by("criterion__sort_key")
        .values_list("pk", "version")
    )
    load = {
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf": csrf,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "requests": [
            {
                "name": "score sheet",
                "weight": 25,
                "session": session(officer_client),
                "url": reverse("assessments:sheet", args=[open_sheet.pk]),
            },
            {
                "name": "unit dashboard",
                "weight": 15,
                "session": session(client_for(head)),
                "url": reverse("results:unit", args=[heavy_sheet.unit_id]),
            },
            {
                "name": "progress table",
                "weight": 10,
                "session": session(manager_client),
                "url": reverse("assessments:round_progress", args=[progress_round.pk]),
            },
            {
                "name": "evidence ZIP",
                "weight": 3,
                "session": session(officer_client),
                "url": reverse("assessments:evidence_zip", args=[open_sheet.pk]),
            },
        ],
        "save": {
            "weight": 20,
            "session": session(officer_client),
            "urls": [
                (reverse("assessments:save_score", args=[open_sheet.pk, pk]), version)
                for pk, version in leaf_scores
            ],
        },
    }
    if "province" in published:
        load["requests"].append(
            {
                "name": "province ranking",
                "weight": 20,
                "session": session(manager_client),
                "url": published["province"][0],
            }
        )
    if "national" in published:
        load["requests"].append(
            {
                "name": "national heat map",
                "weight": 2,
                "session": session(bnv_client),
                "url": published["national"][0],
            }
        )
        load["requests"].append(
            {
                "name": "national ranking .xlsx",
                "weight": 1,
                "session": session(bnv_client),
                "url": published["national"][0] + "?format=xlsx",
            }
        )
    out["load"] = load
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
