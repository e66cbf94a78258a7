"""The load generator and the benchmark cannot rot: deterministic from a seed, counts right, measure runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from parindex.loadgen.generator import Spec, fingerprint, generate

SMALL = Spec(
    provinces=2,
    communes_per_province=4,
    departments_per_province=2,
    years=2,
    evidence=1,
    heavy_evidence=2,
    heavy_file_kb=4,
    last_year=2026,
    seed=7,
)


class _Rollback(Exception):
    pass


def _generate_and_fingerprint(spec: Spec) -> str:
    try:
        with transaction.atomic():
            generate(spec, log=lambda line: None)
            value = fingerprint()
            raise _Rollback
    except _Rollback:
        return value


@pytest.mark.django_db(transaction=False)
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = _generate_and_fingerprint(SMALL)
    assert _generate_and_fingerprint(SMALL) == first
    assert _generate_and_fingerprint(Spec(**{**SMALL.__dict__, "seed": 8})) != first


@pytest.mark.django_db
def test_counts_match_the_arguments_and_every_state_is_there():
    from parindex.appraisals.models import AppraisalSheet
    from parindex.assessments.models import Assessment, Evidence, Round, Score
    from parindex.remediation.models import RemediationItem
    from parindex.results.models import Publication, UnitResult
    from parindex.units.models import Membership, Unit

    report = generate(SMALL, log=lambda line: None)
    communes = 2 * 4
    units = 1 + 2 + 2 * 2 + communes  # ministry, provinces, departments, communes
    assert Unit.objects.count() == units == report.counts["units"]
    assert Unit.objects.filter(kind__in=["commune", "ward", "special_zone"]).count() == communes
    assert Membership.objects.count() == 1 + 2 * 3 + (2 * 2 + communes) * 3
    # Per year and province a commune round and a department round; plus the national round.
    assert Round.objects.count() == 2 * 2 * 2 + 1
    assert Round.objects.filter(owner_unit__code="LG-BNV").get().assessments.count() == communes
    sheets = Assessment.objects.count()
    assert sheets == 2 * (2 * 2 + communes) + communes
    assert Score.objects.count() == sheets * 100  # ~100 leaves per framework, one score each
    assert set(Assessment.objects.values_list("status", flat=True)) == {"draft", "submitted", "locked"}
    assert set(AppraisalSheet.objects.values_list("status", flat=True)) == {
        "round1",
        "explanation",
        "round2",
        "appraised",
    }
    # Every closed round but the mixed one is published through the results actions.
    published = Publication.objects.filter(status="published")
    assert published.count() == 1 * 2 * 2 - 1 + 1
    assert (
        UnitResult.objects.filter(publication__in=published).exclude(rank=None).count()
        == UnitResult.objects.count()
    )
    assert RemediationItem.objects.exists()
    # Evidence: 1 per unit and year for every province round sheet, the heavy sheet gets 2.
    province_sheets = sheets - communes
    assert Evidence.objects.count() == province_sheets - 1 + 2
    assert all(e.file.storage.exists(e.file.name) for e in Evidence.objects.all()[:5])


@pytest.mark.django_db
def test_the_command_refuses_a_database_that_already_has_load_data(capsys):
    call_command(
        "generate_load",
        "--provinces",
        "1",
        "--communes-per-province",
        "2",
        "--departments-per-province",
        "1",
        "--years",
        "1",
        "--evidence",
        "0",
        "--heavy-evidence",
        "0",
    )
    assert "generated in" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already"):
        call_command("generate_load", "--provinces", "1", "--communes-per-province", "2", "--years", "1")


def test_the_benchmark_runs_end_to_end_on_a_tiny_data_set(tmp_path):
    """migrate + generate + measure in a separate SQLite database, the way `make bench` does (no load run)."""
    root = Path(__file__).resolve().parents[2]
    env = {
        "PATH": "/usr/bin:/bin",
        "PARINDEX_DATA_DIR": str(tmp_path),
        "PARINDEX_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BENCH_REPEAT": "2",
        "BENCH_COMPUTE_REPEAT": "1",
    }
    parindex = str(Path(sys.executable).parent / "parindex")
    for args in (
        ["migrate", "-v0"],
        ["createcachetable"],
        [
            "generate_load",
            "--provinces",
            "1",
            "--communes-per-province",
            "3",
            "--departments-per-province",
            "1",
            "--years",
            "2",
            "--evidence",
            "1",
            "--heavy-evidence",
            "2",
            "--heavy-file-kb",
            "4",
        ],
    ):
        subprocess.run([parindex, *args], env=env, cwd=root, check=True, capture_output=True)
    out = tmp_path / "measure.json"
    subprocess.run(
        [sys.executable, str(root / "bench" / "measure.py"), "--out", str(out)],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
    )
    result = json.loads(out.read_text())
    assert {
        "publish a province round",
        "recompute the national ranking",
        "open a score sheet",
        "save one leaf",
        "province ranking page",
        "heat-map page (national, every commune)",
        "unit dashboard",
        "manager's progress table",
        "export the national ranking (.xlsx)",
    } <= set(result["ops"])
    assert all(row.get("median") is not None for row in result["ops"].values())
    assert result["load"]["requests"] and result["load"]["save"]["urls"]
