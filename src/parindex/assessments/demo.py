"""Demo step: an open self-assessment round for the demo year, partly filled.

The Chợ Đồn district's index manager opens round 1 of the demo year on the demo commune
framework over the district's communes. Five communes are partly scored with evidence
(files and references), area 1 of Xã Yên Thượng is assigned to its officer (so the
officer's to-do panel has content), and two communes are submitted by their heads.

Deterministic: values come from ``random.Random`` seeded with unit and criterion codes;
the demo year is the last year of the framework not after today; the deadline is 17h00
on 15 December of the current year (next year from December on), so the round is open.
Idempotent: nothing happens when the round already exists.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

DISTRICT_SLUG = "chodon"
FIRST_COMMUNE = "Xã Yên Thượng"
FILLED_COMMUNES = 5
SUBMITTED_COMMUNES = 2


def demo_year(framework) -> int:
    return min(timezone.localdate().year, framework.valid_to_year)


def _deadline() -> dt.datetime:
    today = timezone.localdate()
    year = today.year + (1 if today.month == 12 else 0)
    return dt.datetime(year, 12, 15, 17, 0, tzinfo=timezone.get_current_timezone())


def _pdf(text: str) -> bytes:
    """A tiny valid PDF (deterministic bytes) standing in for a scanned document."""
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _raw_inputs(spec: list[dict], max_points: Decimal, rng: random.Random) -> dict:
    raw = {}
    for field in spec:
        kind = field.get("type")
        if kind == "bool":
            raw[field["name"]] = "1" if rng.random() < 0.8 else "0"
        elif kind == "choice":
            choices = [str(key) for key, _label in field.get("choices") or []]
            raw[field["name"]] = choices[0] if rng.random() < 0.6 else rng.choice(choices)
        elif field["name"] == "denominator":
            raw["denominator"] = str(rng.randint(8, 20))
        elif field["name"] == "numerator":
            raw["numerator"] = "__numerator__"
        elif field["name"] == "count":
            raw["count"] = str(rng.randint(0, 4))
        elif field["name"] == "violations":
            raw["violations"] = str(rng.choice([0, 0, 0, 1, 2]))
        else:  # manual points: a multiple of the step up to the maximum
            step = field.get("step") or Decimal("0.25")
            steps = int(max_points / step)
            raw[field["name"]] = str(step * rng.randint(steps // 2, steps))
    if raw.get("numerator") == "__numerator__":
        denominator = int(raw["denominator"])
        raw["numerator"] = str(rng.randint(denominator * 3 // 4, denominator))
    return raw


def build(*, stdout, style) -> None:
    from parindex.assessments import actions
    from parindex.assessments.evidence import content_bytes
    from parindex.assessments.feeds import fed_value
    from parindex.assessments.models import Round
    from parindex.frameworks.models import Framework
    from parindex.frameworks.scoring import input_spec
    from parindex.units.models import Membership, Unit

    try:
        from parindex.units.demo import district_code
    except ImportError:  # pragma: no cover — the units demo is always there
        return
    district = Unit.objects.filter(code=district_code(DISTRICT_SLUG)).first()
    framework = next(
        (
            f
            for f in Framework.objects.filter(owner_unit__parent__isnull=True).order_by("pk")
            if "commune" in (f.unit_kinds or [])
        ),
        None,
    )
    User = get_user_model()
    manager = User.objects.filter(username=f"huyen.{DISTRICT_SLUG}.noivu").first()
    if district is None or framework is None or manager is None:
        stdout.write(style.WARNING("assessments: demo district, framework or manager missing, skipped"))
        return
    year = demo_year(framework)
    name = f"Tự chấm điểm Chỉ số CCHC cấp xã năm {year} (lần 1) — {district.name}"
    if Round.objects.filter(name=name, owner_unit=district).exists():
        return
    round_ = actions.open_round(
        by=manager,
        framework=framework,
        owner_unit=district,
        name=name,
        year=year,
        self_deadline=_deadline(),
        data_cutoff=dt.date(year, 11, 15),
    )
    sheets = sorted(
        round_.assessments.select_related("unit"), key=lambda s: (s.unit.name != FIRST_COMMUNE, s.unit.code)
    )
    people = {
        (m.unit_id, m.role): m.user
        for m in Membership.objects.filter(
            unit__in=[s.unit for s in sheets],
            role__in=[Membership.Role.UNIT_OFFICER, Membership.Role.UNIT_HEAD],
        )
        .select_related("user")
        .order_by("user__username")
    }
    submitted = 0
    for index, sheet in enumerate(sheets[:FILLED_COMMUNES]):
        officer = people.get((sheet.unit_id, Membership.Role.UNIT_OFFICER))
        head = people.get((sheet.unit_id, Membership.Role.UNIT_HEAD))
        if officer is None or head is None:
            continue
        first = index == 0
        if first:
            area = framework.criteria.filter(depth=1).order_by("sort_key").first()
            actions.assign(assessment=sheet, criterion=area, by=head, officer=officer)
        share = 0.4 if first else 1.0  # the first commune is half-way through
        for score in sheet.scores.select_related("criterion").order_by("criterion__sort_key"):
            criterion = score.criterion
            rng = random.Random(f"{sheet.unit.code}/{criterion.code}/{year}")
            if criterion.is_survey or rng.random() > share:
                continue
            spec = input_spec(criterion.method, criterion.params, score.max_points)
            fed = fed_value(sheet, criterion)
            saved = actions.save_score(
                score=score,
                by=officer,
                expected_version=score.version,
                # A leaf fed by the plan (or the remediation) keeps its source's numbers.
                raw_inputs={}
                if fed is not None and fed.follows
                else _raw_inputs(spec, score.max_points, rng),
            )
            if not saved.self_points:
                continue
            roll = rng.random()
            if roll < 0.7:
                short = f"TLKC tieu chi {criterion.code}"
                actions.upload_evidence(
                    score=saved,
                    by=officer,
                    short_name=short,
                    page_ref=f"Trang {rng.randint(1, 12)}",
                    uploaded_file=content_bytes(
                        _pdf(f"{sheet.unit.code} {criterion.code} {year}"), f"{short}.pdf"
                    ),
                )
            elif roll < 0.9:
                actions.add_reference(
                    score=saved,
                    by=officer,
                    short_name=f"Văn bản tiêu chí {criterion.code}",
                    doc_number=f"{rng.randint(10, 250)}/UBND-VP",
                    doc_date=dt.date(year, rng.randint(1, 10), 15),
                    issuer=f"UBND {sheet.unit.name.lower()}",
                )
            else:
                actions.save_score(
                    score=saved,
                    by=officer,
                    expected_version=saved.version,
                    raw_inputs=saved.inputs,
                    missing_evidence_explanation="Tài liệu đang trình ký, sẽ bổ sung trong thời gian giải trình.",
                )
        if not first and submitted < SUBMITTED_COMMUNES:
            actions.submit_assessment(assessment=sheet, by=head)
            submitted += 1
    stdout.write(
        style.SUCCESS(
            f"assessments: {name} open for {len(sheets)} communes; {min(FILLED_COMMUNES, len(sheets))} partly scored, "
            f"{submitted} submitted"
        )
    )
