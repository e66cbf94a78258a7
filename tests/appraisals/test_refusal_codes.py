"""The refusals of the appraisal steps carry a code: ``state`` when the step comes at the wrong
time (wrong phase, sheet not in the right status, deadline passed, results published) — the API
answers those 409 — and ``invalid`` for bad input (422). The API relies on the code, not on the
wording of the message, so every refusal is called here out of order and its code checked."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from parindex.appraisals import actions
from parindex.appraisals.models import AppraisalEntry
from tests.appraisals.helpers import leaves, make_framework, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree, personas):
    fw = make_framework(tree["P"], survey_leaf=True)
    rnd = make_round(fw, tree["P"], [tree["A1"], tree["A2"]])
    ls = [c for c in leaves(fw) if c.source != "survey"]
    return {
        "fw": fw,
        "round": rnd,
        "a1": rnd.assessments.get(unit=tree["A1"]),
        "leaves": ls,
        **personas,
        **tree,
    }


def refusal(call, **kwargs) -> tuple[str, str]:
    """(code, message) of the ValidationError the action raises; fails if it raises nothing."""
    with pytest.raises(ValidationError) as info:
        call(**kwargs)
    exc = info.value
    assert len(exc.error_list) == 1, exc.messages
    return exc.error_list[0].code, exc.messages[0]


def waiting_for_explanation(setup):
    """A1's sheet after round 1 with leaf 1 flagged: (sheet, flagged entry)."""
    appraiser = setup["appraiser_province"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    actions.appraise_leaf(
        sheet=sheet,
        criterion=setup["leaves"][0],
        points=D(10),
        reason="r",
        flag=True,
        comment="c",
        by=appraiser,
    )
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    assert sheet.status == "explanation"
    return sheet, AppraisalEntry.objects.get(sheet=sheet, round_number=1, explanation_requested=True)


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_phase_refusals_of_opening_and_starting_carry_the_state_code(setup):
    rnd, manager, appraiser = setup["round"], setup["province_manager"], setup["appraiser_province"]
    # the round is already in its appraisal phase
    assert refusal(actions.open_appraisal, round=rnd, by=manager) == (
        "state",
        "Đợt đánh giá này đã chuyển sang giai đoạn thẩm định.",
    )
    rnd.status = "open"
    rnd.save()
    code, message = refusal(actions.start_appraisal, assessment=setup["a1"], by=appraiser)
    assert code == "state" and "giai đoạn thẩm định" in message
    rnd.status = "closed"
    rnd.save()
    assert refusal(actions.start_appraisal, assessment=setup["a1"], by=appraiser)[0] == "state"
    rnd.status = "appraisal"
    rnd.save()
    setup["a1"].status = "draft"
    setup["a1"].save()
    code, message = refusal(actions.start_appraisal, assessment=setup["a1"], by=appraiser)
    assert code == "state" and "chưa gửi" in message
    assert not AppraisalEntry.objects.exists()


def test_appraising_out_of_order_carries_the_state_code_and_bad_input_the_invalid_code(setup):
    appraiser = setup["appraiser_province"]
    first, second = setup["leaves"][0], setup["leaves"][1]
    sheet, _entry = waiting_for_explanation(setup)
    # waiting for the unit's explanation: no appraisal round is open
    for call in (
        lambda: actions.appraise_leaf(sheet=sheet, criterion=second, points=D(25), by=appraiser),
        lambda: actions.accept_area(sheet=sheet, area=setup["fw"].areas().first(), by=appraiser),
        lambda: actions.complete_round(sheet=sheet, by=appraiser),
    ):
        assert refusal(call)[0] == "state"
    actions.answer_explanation(entry=_entry, text="Đã có quyết định", by=setup["officer_a1"])
    sheet = actions.submit_explanation(sheet=sheet, by=setup["head_a1"])
    assert sheet.status == "round2"
    # round 2: an unflagged leaf, and a new request for explanation, come too late
    code, message = refusal(
        actions.appraise_leaf, sheet=sheet, criterion=second, points=D(1), reason="r", by=appraiser
    )
    assert code == "state" and "lần 2" in message
    code, message = refusal(
        actions.appraise_leaf,
        sheet=sheet,
        criterion=first,
        points=D(25),
        flag=True,
        comment="c",
        by=appraiser,
    )
    assert code == "state" and "lần 1" in message
    assert (
        refusal(actions.accept_area, sheet=sheet, area=setup["fw"].areas().first(), by=appraiser)[0]
        == "state"
    )
    # bad input on a leaf that round 2 may change is not a state refusal
    assert refusal(
        actions.appraise_leaf, sheet=sheet, criterion=first, points=D(26), reason="r", by=appraiser
    ) == (
        "invalid",
        "Điểm phải từ 0 đến 25.",
    )
    assert refusal(actions.appraise_leaf, sheet=sheet, criterion=first, by=appraiser)[0] == "invalid"
    survey = [c for c in leaves(setup["fw"]) if c.source == "survey"][0]
    assert (
        refusal(actions.appraise_leaf, sheet=sheet, criterion=survey, points=D(1), by=appraiser)[0]
        == "invalid"
    )
    # the appraisal completed: completing it again comes too late
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    assert sheet.status == "appraised"
    code, message = refusal(actions.complete_round, sheet=sheet, by=appraiser)
    assert (code, message) == ("state", "Bảng điểm này hiện không trong giai đoạn thẩm định.")
    assert not AppraisalEntry.objects.filter(sheet=sheet, round_number=2).exclude(criterion=first).exists()


def test_explanation_refusals_carry_the_state_code(setup):
    appraiser, officer = setup["appraiser_province"], setup["officer_a1"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    flagged = actions.appraise_leaf(
        sheet=sheet,
        criterion=setup["leaves"][0],
        points=D(10),
        reason="r",
        flag=True,
        comment="c",
        by=appraiser,
    )
    plain = actions.appraise_leaf(sheet=sheet, criterion=setup["leaves"][1], points=D(25), by=appraiser)
    # round 1 still open: nothing to explain yet, nothing to send
    code, message = refusal(actions.answer_explanation, entry=flagged, text="t", by=officer)
    assert (code, message) == ("state", "Bảng điểm này hiện không có yêu cầu giải trình.")
    assert refusal(actions.submit_explanation, sheet=sheet, by=setup["head_a1"])[0] == "state"
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    # a leaf nobody flagged
    assert refusal(actions.answer_explanation, entry=plain, text="t", by=officer) == (
        "state",
        "Tiêu chí này không có yêu cầu giải trình.",
    )
    # sending before every flagged leaf is explained
    code, message = refusal(actions.submit_explanation, sheet=sheet, by=setup["head_a1"])
    assert code == "state" and message.endswith("1.1.")
    # an empty explanation is bad input
    assert refusal(actions.answer_explanation, entry=flagged, text="  ", by=officer)[0] == "invalid"
    # after the deadline
    rnd = setup["round"]
    rnd.explanation_deadline = timezone.now() - dt.timedelta(hours=1)
    rnd.save()
    assert refusal(actions.answer_explanation, entry=flagged, text="t", by=officer) == (
        "state",
        "Đã quá hạn giải trình.",
    )
    assert refusal(actions.submit_explanation, sheet=sheet, by=setup["head_a1"])[0] == "state"
    assert not AppraisalEntry.objects.filter(explanation__isnull=False).exists()


def test_published_and_approved_results_refuse_adjustments_and_survey_scores_with_the_state_code(setup):
    from parindex.appraisals.models import SurveyScore
    from parindex.results.models import Publication

    appraiser, manager = setup["appraiser_province"], setup["province_manager"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    # bad input: the cap, a missing reason, the kind
    assert refusal(actions.add_adjustment, sheet=sheet, kind="bonus", points=D(3), reason="x", by=appraiser)[
        0
    ] == ("invalid")
    assert refusal(actions.add_adjustment, sheet=sheet, kind="bonus", points=D(1), reason="", by=appraiser)[
        0
    ] == ("invalid")
    assert refusal(actions.add_adjustment, sheet=sheet, kind="gift", points=D(1), reason="x", by=appraiser)[
        0
    ] == ("invalid")
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    rnd = setup["round"]
    publication = Publication.objects.create(
        year=rnd.year, title="Kết quả", round=rnd, owner_unit=setup["P"], status="approved"
    )
    survey = xlsx([["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"], ["A1", "1.9", "80"]])
    code, message = refusal(actions.import_survey, round=rnd, source=survey, by=manager)
    assert code == "state" and "phê duyệt" in message
    assert not SurveyScore.objects.exists()
    publication.status = "published"
    publication.save()
    assert refusal(
        actions.add_adjustment, sheet=sheet, kind="bonus", points=D(1), reason="x", by=appraiser
    ) == (
        "state",
        "Kết quả của đợt này đã được công bố.",
    )
    assert not sheet.adjustments.exists()


def test_every_refusal_of_the_appraisal_actions_has_a_code():
    """A new refusal without a code would silently become a 422 in the API."""
    tree = ast.parse(inspect.getsource(actions))
    raised = [
        node.exc
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and getattr(node.exc.func, "id", None) == "ValidationError"
    ]
    assert len(raised) > 20
    codes = {
        (node.lineno, next((k.value.id for k in node.keywords if k.arg == "code"), None)) for node in raised
    }
    assert {code for _line, code in codes} == {"STATE", "INVALID"}, sorted(codes)
