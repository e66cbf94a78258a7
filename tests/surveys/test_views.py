"""Survey pages through the test client: permission matrix, privacy, the public answer page, exports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from parindex.requests.models import UserJob
from parindex.surveys import actions
from parindex.surveys.models import Respondent, Response, hash_token
from tests.core.job_helpers import job_of, job_page

from .helpers import answer_all, frame, make_survey, ready_survey

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def _approved(tree, manager):
    survey, tokens = ready_survey(tree, manager)
    for unit, keys in (("A1", "ABAA"), ("A2", "CCKD")):
        answer_all(survey, Respondent.objects.filter(survey=survey, unit=tree[unit]).first(), keys)
    actions.close_survey(survey=survey, by=manager)
    actions.approve_survey(survey=survey, by=manager)
    survey.refresh_from_db()
    return survey, tokens


OPERATOR_PAGES = ["surveys:results", "surveys:answers_xlsx", "surveys:respondents_xlsx", "surveys:paper"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("district_manager_a", 200),  # the operator
        ("province_manager", 200),  # index manager above the owner unit
        ("admin_user", 200),
        ("appraiser_province", 403),  # sees the survey (oversight) but is not its operator
        ("officer_a1", 403),  # assessed unit: aggregates only
        ("head_a1", 403),
        ("officer_b1", 404),  # another district
        ("viewer_province", 404),
    ],
)
def test_raw_data_pages_only_for_the_operator(client, personas, tree, persona, expected):
    survey, _tokens = _approved(tree, personas["district_manager_a"])
    c = _client(client, personas[persona])
    for name in OPERATOR_PAGES:
        assert c.get(reverse(name, args=[survey.pk])).status_code == expected, name


@pytest.mark.parametrize(
    ("persona", "own", "other"),
    [
        ("district_manager_a", 200, 200),
        ("officer_a1", 200, 404),
        ("head_a1", 200, 404),
        ("officer_a2", 404, 200),
        ("officer_b1", 404, 404),
        ("viewer_province", 404, 404),
        ("appraiser_province", 200, 200),  # oversees both communes
    ],
)
def test_unit_aggregates_matrix(client, personas, tree, persona, own, other):
    survey, _tokens = _approved(tree, personas["district_manager_a"])
    c = _client(client, personas[persona])
    assert c.get(reverse("surveys:unit", args=[survey.pk, tree["A1"].pk])).status_code == own
    assert c.get(reverse("surveys:unit", args=[survey.pk, tree["A2"].pk])).status_code == other


def test_assessed_unit_sees_aggregates_and_points_but_no_raw_answer(
    client, tree, district_manager_a, officer_a1
):
    survey, _tokens = _approved(tree, district_manager_a)
    c = _client(client, officer_a1)
    response = c.get(reverse("surveys:detail", args=[survey.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "surveys:unit", args=[survey.pk, tree["A1"].pk]
    )
    page = c.get(response["Location"]).content.decode()
    assert "Tiếp cận dịch vụ" in page and "Chỉ hiển thị số liệu tổng hợp" in page  # criterion title
    assert 'data-testid="fed-8.1"' in page
    # A1 answered A, B → 8.1 = (100 + 60) / 2 = 80 % of 2 = 1,6 points; 8.2 = A → 3 points
    assert ">1,6<" in page and ">3<" in page
    assert "Phiếu trả lời chi tiết" not in page
    assert c.get(reverse("surveys:answers_xlsx", args=[survey.pk])).status_code == 403


def test_before_approval_the_unit_sees_nothing(client, tree, district_manager_a, officer_a1):
    survey, _tokens = ready_survey(tree, district_manager_a)
    c = _client(client, officer_a1)
    assert c.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404
    assert c.get(reverse("surveys:unit", args=[survey.pk, tree["A1"].pk])).status_code == 404
    assert survey.name not in c.get(reverse("surveys:index")).content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("district_manager_a", 200),
        ("province_manager", 200),
        ("admin_user", 200),
        ("officer_a1", 403),
        ("head_a1", 403),
        ("appraiser_province", 403),
        ("viewer_province", 403),
    ],
)
def test_who_may_create_a_survey(client, personas, persona, expected):
    assert _client(client, personas[persona]).get(reverse("surveys:create")).status_code == expected


def test_operator_creates_a_survey_through_the_form(client, tree, district_manager_a):
    from .helpers import make_framework

    fw = make_framework(tree["P"])
    c = _client(client, district_manager_a)
    response = c.post(
        reverse("surveys:create"),
        {
            "name": "Khảo sát SIPAS 2025",
            "year": 2025,
            "owner_unit": tree["DA"].pk,
            "framework": fw.pk,
            "target_group": "citizens",
            "deadline": "2099-12-31T17:00",
            "margin": "0.05",
            "retention_days": 60,
        },
    )
    assert response.status_code == 302
    page = c.get(response["Location"]).content.decode()
    assert "Khảo sát SIPAS 2025" in page and "Bản nháp" in page


def test_operator_adds_a_question_and_sees_vietnamese_errors(client, tree, district_manager_a):
    survey = make_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    url = reverse("surveys:question_add", args=[survey.pk])
    response = c.post(url, {"text": "Câu mới?", "weight": "1", "options": "A | Tốt | 100"}, follow=True)
    assert "Mỗi câu hỏi cần ít nhất hai phương án có trọng số." in response.content.decode()
    response = c.post(
        url,
        {"text": "Câu mới?", "weight": "1", "options": "A | Tốt | 100\nB | Kém | 0\nK | Không biết |"},
        follow=True,
    )
    assert "Đã thêm câu hỏi." in response.content.decode()
    assert survey.questions.count() == 5


def test_respondents_upload_lists_row_errors_in_vietnamese(client, tree, district_manager_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import respondents_xlsx

    survey = make_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    url = reverse("surveys:respondents_import", args=[survey.pk])
    bad = SimpleUploadedFile("ds.xlsx", respondents_xlsx([("B1", "", "", "", "", "")]))
    job = job_of(c.post(url, {"file": bad}))
    assert job.status == UserJob.Status.FAILED
    page = job_page(c, job)
    assert "Dòng 2" in page and "không thuộc đơn vị quản lý cuộc khảo sát" in page
    assert job.back_url == reverse("surveys:detail", args=[survey.pk]) + "#respondents"
    assert not Respondent.objects.exists()
    good = SimpleUploadedFile("ds.xlsx", frame())
    job = job_of(c.post(url, {"file": good}))
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert job.message == "Đã nhập 17 người trả lời."
    assert job.details == ["Danh sách người trả lời thuộc 2 đơn vị."]
    assert job.result_url == reverse("surveys:detail", args=[survey.pk]) + "#respondents"
    c.post(reverse("surveys:draw", args=[survey.pk]))
    response = c.post(reverse("surveys:links", args=[survey.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    links = [row[5] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert len(links) == 17 and all("/surveys/r/" in link for link in links)


def test_questions_upload_runs_as_a_job(client, tree, district_manager_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_workflow import _questions_xlsx

    survey = make_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    url = reverse("surveys:questions_import", args=[survey.pk])
    bad = _questions_xlsx([("Khác", "Câu 5?", "1.1", 1, ""), ("Khác", "Câu 6?", "", 1, "A | Có | 100")])
    job = job_of(c.post(url, {"file": SimpleUploadedFile("cau-hoi.xlsx", bad)}))
    assert job.status == UserJob.Status.FAILED
    assert any(line.startswith("Dòng 2") for line in job.details) and "Dòng 3" in job_page(c, job)
    assert survey.questions.count() == 4
    good = _questions_xlsx([("Thủ tục", "Phí, lệ phí có đúng quy định?", "8.2", 2, "")])
    job = job_of(c.post(url, {"file": SimpleUploadedFile("cau-hoi.xlsx", good)}))
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert job.message == "Đã nhập 1 câu hỏi."
    assert job.details == ["Phiếu khảo sát hiện có 5 câu hỏi."]
    assert survey.questions.count() == 5


@pytest.mark.parametrize(
    "name_content", [("ds.csv", b"a;b"), ("ds.xlsx", b"a;b")], ids=["extension", "content"]
)
def test_a_file_that_is_not_a_workbook_is_refused_at_once(client, tree, district_manager_a, name_content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    survey = make_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    upload = SimpleUploadedFile(*name_content)
    response = c.post(reverse("surveys:respondents_import", args=[survey.pk]), {"file": upload}, follow=True)
    assert "Đây không phải là tệp Excel .xlsx." in response.content.decode()
    assert not UserJob.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("appraiser_province", 403), ("officer_a1", 404), ("officer_b1", 404)],
)
def test_only_the_operator_may_start_an_import(client, personas, tree, persona, expected):
    from django.core.files.uploadedfile import SimpleUploadedFile

    survey = make_survey(tree, personas["district_manager_a"])
    c = _client(client, personas[persona])
    for name in ("surveys:respondents_import", "surveys:questions_import"):
        upload = SimpleUploadedFile("ds.xlsx", frame())
        assert c.post(reverse(name, args=[survey.pk]), {"file": upload}).status_code == expected
    assert not UserJob.objects.exists()


def test_the_import_job_refuses_a_user_who_does_not_run_the_survey(
    tree, district_manager_a, appraiser_province
):
    from parindex.core.jobs import start_user_job

    survey = make_survey(tree, district_manager_a)
    job = start_user_job(
        user=appraiser_province,
        label="Nhập danh sách",
        func_path="parindex.surveys.jobs.import_respondents",
        kwargs={"survey_id": survey.pk},
        input_file=frame(),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Chỉ cán bộ quản lý chỉ số điều hành cuộc khảo sát mới được thay đổi cuộc khảo sát."
    assert not Respondent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_respondents_import_waits_for_the_worker(client, tree, district_manager_a, worker_queue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    survey = make_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    upload = SimpleUploadedFile("ds.xlsx", frame())
    job = job_of(c.post(reverse("surveys:respondents_import", args=[survey.pk]), {"file": upload}))
    assert job.status == UserJob.Status.QUEUED and not Respondent.objects.exists()
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, (job.error, job.details)
    assert Respondent.objects.filter(survey=survey).count() == 17


# --- The public answer page ---------------------------------------------------------------------------


def _link(tokens, respondent):
    return reverse("surveys:answer", args=[tokens[respondent.pk]])


def test_respondent_answers_through_the_link_without_an_account(client, tree, district_manager_a):
    survey, tokens = ready_survey(tree, district_manager_a)
    respondent = Respondent.objects.filter(survey=survey, unit=tree["A1"]).first()
    url = _link(tokens, respondent)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        "Phiếu 01: người dân đánh giá UBND cấp xã" in text
        and "Xã Yên Thượng" in text
        and "Không biết" in text
    )
    q = {x.order: x.pk for x in survey.questions.all()}
    saved = client.post(
        reverse("surveys:answer_one", args=[tokens[respondent.pk]]),
        {f"q_{q[1]}": "A"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "Đã lưu" in saved.content.decode() and "1/4" in saved.content.decode()
    assert "checked" in client.get(url).content.decode()
    # htmx posts the whole form; the changed radio is named in HX-Trigger-Name
    saved = client.post(
        reverse("surveys:answer_one", args=[tokens[respondent.pk]]),
        {f"q_{q[1]}": "A", f"q_{q[2]}": "C"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER_NAME=f"q_{q[2]}",
    )
    assert saved.status_code == 200 and "2/4" in saved.content.decode()
    incomplete = client.post(url, {f"q_{q[2]}": "B"})  # changes answer 2 and keeps it
    assert incomplete.status_code == 400 and "Còn thiếu: 3, 4" in incomplete.content.decode()
    done = client.post(url, {f"q_{q[3]}": "K", f"q_{q[4]}": "D"})
    assert done.status_code == 200 and "Xin cảm ơn!" in done.content.decode()
    assert Response.objects.get(respondent=respondent).status == "submitted"
    again = client.get(url)
    assert again.status_code == 410 and "Mỗi liên kết chỉ dùng được một lần." in again.content.decode()
    assert client.post(url, {f"q_{q[1]}": "D"}).status_code == 410


def test_closed_survey_link_says_so(client, tree, district_manager_a):
    survey, tokens = ready_survey(tree, district_manager_a)
    actions.close_survey(survey=survey, by=district_manager_a)
    respondent = Respondent.objects.filter(survey=survey).first()
    response = client.get(_link(tokens, respondent))
    assert response.status_code == 410 and "Cuộc khảo sát đã kết thúc" in response.content.decode()


def test_unknown_tokens_are_rate_limited(client, tree, district_manager_a, settings):
    from django.core.cache import cache

    from parindex.surveys import ratelimit

    cache.clear()
    survey, tokens = ready_survey(tree, district_manager_a)
    for i in range(ratelimit.FAILURE_LIMIT):
        response = client.get(reverse("surveys:answer", args=[f"doan-bua-{i:02d}-xxxxxxxxxxxxxxxx"]))
        assert response.status_code == 404
        assert "Liên kết không hợp lệ" in response.content.decode()
    respondent = Respondent.objects.filter(survey=survey).first()
    blocked = client.get(_link(tokens, respondent))
    assert blocked.status_code == 429 and "Quá nhiều lần thử" in blocked.content.decode()
    cache.clear()
    assert client.get(_link(tokens, respondent)).status_code == 200


def test_the_public_page_needs_no_login_but_staff_pages_do(client, tree, district_manager_a):
    survey, tokens = ready_survey(tree, district_manager_a)
    assert client.get(reverse("surveys:results", args=[survey.pk])).status_code == 302
    respondent = Respondent.objects.filter(survey=survey).first()
    assert client.get(_link(tokens, respondent)).status_code == 200


# --- Paper entry through the pages ---------------------------------------------------------------------------------


def test_paper_entry_pages(client, tree, district_manager_a):
    survey, _tokens = ready_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    response = c.post(
        reverse("surveys:paper", args=[survey.pk]),
        {"name": "Hộp 1", "unit": tree["A1"].pk, "check_share": 10},
    )
    batch = survey.batches.get()
    assert response.status_code == 302
    q = {x.order: x.pk for x in survey.questions.all()}
    url = reverse("surveys:batch", args=[survey.pk, batch.pk])
    page = c.post(url, {"sheet_number": "1", f"q_{q[1]}": "x"}).content.decode()
    assert "Câu 1: “X” không phải là một phương án trả lời" in page
    c.post(url, {"sheet_number": "1", f"q_{q[1]}": "a", f"q_{q[2]}": "b", f"q_{q[3]}": "k", f"q_{q[4]}": "-"})
    sheet = batch.responses.get()
    assert sorted(a.option.key for a in sheet.answers.all()) == ["A", "B", "K"]
    c.post(reverse("surveys:batch_draw", args=[survey.pk, batch.pk]))
    page = c.post(
        reverse("surveys:second_entry", args=[survey.pk, batch.pk, sheet.pk]),
        {f"q_{q[1]}": "A", f"q_{q[2]}": "C", f"q_{q[3]}": "K"},
        follow=True,
    ).content.decode()
    assert "Phiếu số 1: có 1 điểm khác với lần nhập đầu." in page
    assert 'data-testid="mismatches"' in page


# --- Query counts and exports ------------------------------------------------------------------------------------


def _add_responses(survey, tree, n):
    people = list(Respondent.objects.filter(survey=survey).exclude(response__status="submitted")[:n])
    for i, respondent in enumerate(people):
        answer_all(survey, respondent, "ABCK"[i % 4] * 4)


@pytest.mark.parametrize("name", ["surveys:results", "surveys:detail"])
def test_operator_pages_have_a_fixed_number_of_queries(
    client, tree, district_manager_a, django_assert_max_num_queries, name
):
    survey, _tokens = ready_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    _add_responses(survey, tree, 2)
    c.get(reverse(name, args=[survey.pk]))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert c.get(reverse(name, args=[survey.pk])).status_code == 200
    _add_responses(survey, tree, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get(reverse(name, args=[survey.pk])).status_code == 200


def test_unit_page_has_a_fixed_number_of_queries(
    client, tree, district_manager_a, officer_a1, django_assert_max_num_queries
):
    survey, _tokens = _approved(tree, district_manager_a)
    c = _client(client, officer_a1)
    url = reverse("surveys:unit", args=[survey.pk, tree["A1"].pk])
    c.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        c.get(url)
    Response.objects.filter(survey=survey).update(status="submitted")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get(url).status_code == 200


def test_exports_are_xlsx(client, tree, district_manager_a, officer_a1):
    survey, _tokens = _approved(tree, district_manager_a)
    c = _client(client, district_manager_a)
    for url in (
        reverse("surveys:results", args=[survey.pk]) + "?format=xlsx",
        reverse("surveys:index") + "?format=xlsx",
        reverse("surveys:answers_xlsx", args=[survey.pk]),
        reverse("surveys:respondents_xlsx", args=[survey.pk]),
        reverse("surveys:respondents_template", args=[survey.pk]),
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        load_workbook(io.BytesIO(response.content))
    workbook = load_workbook(
        io.BytesIO(c.get(reverse("surveys:results", args=[survey.pk]) + "?format=xlsx").content)
    )
    assert workbook.sheetnames == ["Người trả lời", "Tiêu chí", "Câu hỏi"]
    unit_xlsx = _client(client, officer_a1).get(
        reverse("surveys:unit", args=[survey.pk, tree["A1"].pk]) + "?format=xlsx"
    )
    assert unit_xlsx.status_code == 200


def test_home_panel_lists_open_surveys_for_the_operator(client, tree, district_manager_a, officer_a1):
    survey, _tokens = ready_survey(tree, district_manager_a)
    assert survey.name in _client(client, district_manager_a).get(reverse("home")).content.decode()
    client.logout()
    assert survey.name not in _client(client, officer_a1).get(reverse("home")).content.decode()


def test_operator_edits_deadline_and_round(client, tree, district_manager_a, officer_a1):
    survey, _tokens = ready_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    url = reverse("surveys:edit", args=[survey.pk])
    assert c.get(url).status_code == 200
    response = c.post(
        url, {"deadline": "2099-01-31T17:00", "round": survey.round_id, "retention_days": 30}, follow=True
    )
    assert "Đã lưu." in response.content.decode()
    survey.refresh_from_db()
    assert survey.retention_days == 30 and survey.deadline.year == 2099
    client.logout()
    assert _client(client, officer_a1).get(url).status_code == 404


def test_questions_template_lists_the_survey_criteria(client, tree, district_manager_a):
    survey = make_survey(tree, district_manager_a)
    # A survey without questions yet gets its criteria as examples; one with questions downloads
    # them (tests/surveys/test_roundtrip.py).
    survey.questions.all().delete()
    response = _client(client, district_manager_a).get(
        reverse("surveys:questions_template", args=[survey.pk])
    )
    codes = [
        row[2]
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert codes == ["8.1", "8.2"]


def test_survey_list_has_a_fixed_number_of_queries(
    client, tree, district_manager_a, django_assert_max_num_queries
):
    make_survey(tree, district_manager_a)
    c = _client(client, district_manager_a)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c.get(reverse("surveys:index"))
    with CaptureQueriesContext(connection) as small:
        c.get(reverse("surveys:index"))
    ready_survey(tree, district_manager_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get(reverse("surveys:index")).status_code == 200


def test_unit_sees_no_distribution_below_five_responses_but_the_operator_does(
    client, tree, district_manager_a, officer_a1
):
    survey, _tokens = _approved(tree, district_manager_a)  # one response per commune
    url = reverse("surveys:unit", args=[survey.pk, tree["A1"].pk])
    page = _client(client, officer_a1).get(url).content.decode()
    assert 'data-testid="too-few"' in page and "Nơi đón tiếp có thuận tiện không?" not in page
    assert 'data-testid="fed-8.1"' in page
    client.logout()
    page = _client(client, district_manager_a).get(url).content.decode()
    assert "Nơi đón tiếp có thuận tiện không?" in page


def test_links_can_be_emailed_to_respondents_with_an_email_contact(
    client, tree, district_manager_a, mailoutbox
):
    from .helpers import respondents_xlsx

    survey = make_survey(tree, district_manager_a)
    actions.import_respondents(
        survey=survey,
        by=district_manager_a,
        source=respondents_xlsx(
            [
                ("A1", "Người dân", "Nữ", "30-39", "", "lan@example.vn"),
                ("A1", "Người dân", "Nam", "", "", "0912345678"),
            ]
        ),
    )
    actions.draw_sample(survey=survey, by=district_manager_a)
    c = _client(client, district_manager_a)
    with django_capture_on_commit():
        response = c.post(reverse("surveys:links", args=[survey.pk]), {"email": "1"})
    assert response.status_code == 200
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["lan@example.vn"]
    body = mailoutbox[0].body
    assert "Trân trọng mời Ông/Bà" in body and "Xã Yên Thượng" in body and "/surveys/r/" in body
    token = body.split("/surveys/r/")[1].split("/")[0]
    assert Respondent.objects.get(contact="lan@example.vn").token_hash == hash_token(token)


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_the_token_never_reaches_the_request_log(client, tree, district_manager_a, caplog):
    import logging

    survey, tokens = ready_survey(tree, district_manager_a)
    respondent = Respondent.objects.filter(survey=survey).first()
    token = tokens[respondent.pk]
    q1 = survey.questions.get(order=1)
    with caplog.at_level(logging.INFO, logger="parindex.request"):
        client.get(_link(tokens, respondent))
        client.post(reverse("surveys:answer_one", args=[token]), {f"q_{q1.pk}": "A"}, HTTP_HX_REQUEST="true")
    lines = [r.getMessage() for r in caplog.records if r.name == "parindex.request"]
    assert len(lines) == 2 and all("/surveys/r/…/" in line for line in lines)
    assert not any(token in r.getMessage() or token in str(getattr(r, "data", "")) for r in caplog.records)


def _count(c, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_batch_page_has_a_fixed_number_of_queries(client, tree, district_manager_a):
    survey, _tokens = ready_survey(tree, district_manager_a)
    batch = actions.create_batch(survey=survey, unit=tree["A1"], name="Hộp 1", by=district_manager_a)
    q = list(survey.questions.order_by("order"))
    c = _client(client, district_manager_a)
    url = reverse("surveys:batch", args=[survey.pk, batch.pk])

    def sheets(numbers):
        for n in numbers:
            actions.enter_paper_sheet(
                batch=batch, sheet_number=n, by=district_manager_a, answers={x.pk: "A" for x in q}
            )
        actions.draw_check_sample(batch=batch, by=district_manager_a)

    sheets([1])
    c.get(url)
    small = _count(c, url)
    sheets(range(2, 12))
    assert _count(c, url) <= small


def test_answer_page_has_a_fixed_number_of_queries(client, tree, district_manager_a):
    survey, tokens = ready_survey(tree, district_manager_a)
    respondent = Respondent.objects.filter(survey=survey).first()
    questions = list(survey.questions.order_by("order"))
    url = _link(tokens, respondent)
    actions.save_answer(respondent=respondent, question=questions[0], key="A")
    client.get(url)
    one_answer = _count(client, url)
    for question in questions[1:]:
        actions.save_answer(respondent=respondent, question=question, key="B")
    assert _count(client, url) <= one_answer


def test_a_legacy_survey_title_with_a_line_break_refuses_its_link_emails_without_failing_the_download(
    client, tree, district_manager_a, mailoutbox
):
    """Issue 24 finding 5 for survey invitations: a title saved before the one-line check existed."""
    from .helpers import respondents_xlsx

    survey = make_survey(tree, district_manager_a)
    actions.import_respondents(
        survey=survey,
        by=district_manager_a,
        source=respondents_xlsx([("A1", "Người dân", "Nữ", "30-39", "", "lan@example.vn")]),
    )
    actions.draw_sample(survey=survey, by=district_manager_a)
    type(survey).objects.filter(pk=survey.pk).update(questionnaire_title="Phiếu\r\nBcc: x@example.vn")
    c = _client(client, district_manager_a)
    with django_capture_on_commit():
        response = c.post(reverse("surveys:links", args=[survey.pk]), {"email": "1"}, follow=False)
    assert response.status_code == 200 and response.content[:2] == b"PK"  # the list still downloads
    assert mailoutbox == []
    page = c.get(reverse("surveys:detail", args=[survey.pk])).content.decode()
    assert "1 thư không thể gửi" in page
