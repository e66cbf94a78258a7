"""A small world for the API tests: an open round over A1/A2 (district DA) and one over B1,
evidence on A1 and B1, a published 2024 results table (A1, A2, B1), appraisal sheets of A1 and
B1 in round 1 (2025) and waiting for an explanation (2026), plans, tasks, requests and
remediation items (one remedied, with evidence) for A1 and B1; plus helpers to call the API with
a token or a session + CSRF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.appraisals.helpers import make_framework as make_results_framework
from tests.appraisals.helpers import make_round
from tests.assessments.factories import PDF_BYTES, make_framework, open_test_round, score_of
from tests.results.helpers import appraise_all, publish


@pytest.fixture
def tokens(personas):
    """persona name -> API token secret."""
    from parindex.api.actions import create_token

    return {name: create_token(user=user, name="test")[1] for name, user in personas.items()}


class Api:
    """A Django test client that talks to /api/v1/ with a bearer token."""

    def __init__(self, token: str | None, language: str = "vi"):
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return getattr(self.client, method.lower())(url, headers=self.headers, **kwargs)

    def get(self, path, **kwargs):
        return self.call("get", path, **kwargs)

    def put_json(self, path, data):
        return self.call("put", path, data=data, content_type="application/json")

    def post(self, path, data=None, **kwargs):
        return self.call("post", path, data=data or {}, **kwargs)


@pytest.fixture
def api_as(tokens):
    def make(persona: str | None, language: str = "vi") -> Api:
        return Api(tokens[persona] if persona else None, language)

    return make


class SessionApi(Api):
    """The same calls riding on a logged-in browser session, with the CSRF token of a page."""

    def __init__(self, user, language: str = "vi"):
        super().__init__(None, language)
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.client.get("/api/tokens/")  # sets the CSRF cookie, as any page does
        self.headers["X-CSRFToken"] = self.client.cookies["csrftoken"].value


@pytest.fixture
def session_as(personas):
    def make(persona: str, language: str = "vi") -> SessionApi:
        return SessionApi(personas[persona], language)

    return make


@pytest.fixture(params=["token", "session"])
def caller(request, api_as, session_as):
    """Each test using it runs twice: with a personal token and with a session + CSRF."""
    return api_as if request.param == "token" else session_as


def pdf_upload(name="bao-cao.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def world(tree, personas, settings):
    from parindex.assessments import actions as assessment_actions
    from parindex.plans.models import Plan, PlanTask
    from parindex.requests.models import Request, RequestRecipient

    p = personas
    # Self-assessment: round A (DA over A1, A2) and round B (DB over B1), both open.
    fw = make_framework(tree["P"])
    round_a = open_test_round(fw, p["district_manager_a"], tree["DA"])
    round_b = open_test_round(fw, p["admin_user"], tree["DB"], name="Tự chấm điểm huyện Bạch Thông 2023")
    sheet = {"A1": round_a.assessments.get(unit=tree["A1"]), "B1": round_b.assessments.get(unit=tree["B1"])}
    score = {code: score_of(s, "1.1") for code, s in sheet.items()}
    evidence = {
        "A1": assessment_actions.upload_evidence(
            score=score["A1"], by=p["officer_a1"], uploaded_file=pdf_upload(), short_name="Ke hoach CCHC"
        ),
        "B1": assessment_actions.upload_evidence(
            score=score["B1"], by=p["officer_b1"], uploaded_file=pdf_upload(), short_name="Ke hoach CCHC"
        ),
    }
    # Published results of 2024 for A1, A2 and B1 (appraised by the province).
    results_fw = make_results_framework(tree["P"], name="Bộ chỉ số xã 2024")
    rnd = make_round(
        results_fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        self_points={
            "A1": [25, 25, 20, 15],
            "A2": [25, 20, 20, 15],
            "B1": [25, 25, 25, 20],
        },
    )
    appraise_all(rnd, p["appraiser_province"])
    publication = publish(rnd, p["province_manager"])
    result = {code: publication.results.get(unit=tree[code]) for code in ("A1", "B1")}
    from parindex.appraisals.models import AppraisalEntry

    entry = {
        code: AppraisalEntry.objects.filter(sheet__assessment__unit=tree[code]).order_by("id").first()
        for code in ("A1", "B1")
    }
    # Plans and tasks (drafts: only the unit and its overseers see them).
    plan = {
        code: Plan.objects.create(unit=tree[code], year=2024, title=f"Kế hoạch CCHC {code}")
        for code in ("A1", "B1")
    }
    task = {
        code: PlanTask.objects.create(
            plan=plan[code], order=1, content="Rà soát thủ tục hành chính", due_date=dt.date(2024, 6, 30)
        )
        for code in ("A1", "B1")
    }
    # Requests: DA asks A1 and A2; DB asks B1.
    request = {}
    for code, issuer, recipients in (("A1", "DA", ("A1", "A2")), ("B1", "DB", ("B1",))):
        req = Request.objects.create(
            issuing_unit=tree[issuer],
            number=f"4{len(code)}/UBND",
            subject="Báo cáo CCHC quý IV",
            deliverable="report",
            deadline=timezone.now() + dt.timedelta(days=5),
        )
        for unit_code in recipients:
            RequestRecipient.objects.create(request=req, unit=tree[unit_code])
        request[code] = req
    # Remediation items (Phụ lục II of the 2024 results).
    from parindex.remediation.models import RemediationItem, RemediationPlan

    remediation = {}
    for code in ("A1", "B1"):
        rplan = RemediationPlan.objects.create(unit=tree[code], year=2025, assessed_year=2024)
        remediation[code] = RemediationItem.objects.create(
            unit=tree[code],
            year=2025,
            number=1,
            source="appendix",
            plan=rplan,
            code="1.2",
            title="Tiêu chí 1.2",
            max_points=Decimal(25),
            points=Decimal(20),
        )
    # Appraisal: a 2025 round of the province over A1 and B1 in appraisal round 1, and a 2026
    # round whose sheets wait for the unit's explanation of leaf 1.1 (flagged in round 1).
    from parindex.appraisals import actions as appraisal_actions

    appraiser = p["appraiser_province"]
    appraising = make_round(results_fw, tree["P"], [tree["A1"], tree["B1"]], year=2025, name="Thẩm định 2025")
    explaining = make_round(results_fw, tree["P"], [tree["A1"], tree["B1"]], year=2026, name="Thẩm định 2026")
    leaf = results_fw.criteria.get(code="1.1")
    appraisal_sheet, explanation_sheet, flagged = {}, {}, {}
    for code in ("A1", "B1"):
        appraisal_sheet[code] = appraising.assessments.get(unit=tree[code])
        appraisal_actions.start_appraisal(assessment=appraisal_sheet[code], by=appraiser)
        explanation_sheet[code] = explaining.assessments.get(unit=tree[code])
        started = appraisal_actions.start_appraisal(assessment=explanation_sheet[code], by=appraiser)
        flagged[code] = appraisal_actions.appraise_leaf(
            sheet=started,
            criterion=leaf,
            by=appraiser,
            points=Decimal(20),
            reason="Thiếu minh chứng",
            flag=True,
            comment="Giải trình việc ban hành kế hoạch",
        )
        appraisal_actions.complete_round(sheet=started, by=appraiser)
    # A remedied item with evidence, ready for verification by the level above.
    remedied = {}
    for code in ("A1", "B1"):
        remedied[code] = RemediationItem.objects.create(
            unit=tree[code],
            year=2025,
            number=2,
            source="appendix",
            plan=remediation[code].plan,
            code="2.1",
            title="Tiêu chí 2.1",
            max_points=Decimal(25),
            points=Decimal(15),
            status="done",
            result_text="Đã ban hành quy chế",
            completed_on=dt.date(2025, 3, 1),
        )
        remedied[code].evidence.add(evidence[code])
    return {
        "tree": tree,
        "personas": p,
        "leaf": leaf,
        "appraisal_sheet": appraisal_sheet,
        "explanation_sheet": explanation_sheet,
        "flagged": flagged,
        "remedied": remedied,
        "framework": fw,
        "round": {"A1": round_a, "B1": round_b},
        "sheet": sheet,
        "score": score,
        "evidence": evidence,
        "publication": publication,
        "result": result,
        "entry": entry,
        "plan": plan,
        "task": task,
        "request": request,
        "remediation": remediation,
        "results_framework": results_fw,
    }
