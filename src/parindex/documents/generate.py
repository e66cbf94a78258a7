"""The documents parindex produces. Stable names other apps call; each returns .docx bytes.

Every generator takes plain dataclasses (so the requests, remediation, results and
assessments apps can call it without this app knowing their models), except
``framework_docx`` which reads a ``frameworks.Framework``. Build the issuer with
``Issuer.from_unit(unit, signer_name=...)``; when the issuer comes from a unit, the
active replacement template of that unit (or its nearest ancestor) is used, unless a
``template`` is passed explicitly (``b""`` forces the built-in one).

Wording follows the seeds (letters 43/UBND of Thạch Châu, Vĩnh Linh and Bạch Thông, plan of
Yên Thượng). Body texts given by users are written as plain text (no markup), texts built
here may use ``**bold**``/``*italic*``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from parindex.core.text import format_decimal
from parindex.documents.issuers import Issuer
from parindex.documents.official import (
    LETTER,
    PLAN,
    REPORT,
    Appendix,
    Block,
    Bullet,
    Column,
    DataTable,
    Heading,
    OfficialDocument,
    Para,
    Row,
    Signature,
)
from parindex.documents.vndates import deadline_text, short_date, vn_date

# Keys of the document kinds (also the choices of DocumentTemplate.kind).
REQUEST_LETTER = "request_letter"
REMINDER_LETTER = "reminder_letter"
REMEDIATION_PLAN = "remediation_plan"
REMEDIATION_RESULTS_REPORT = "remediation_results_report"
SELF_ASSESSMENT_SUMMARY = "self_assessment_summary"
RESULTS_DECISION_ANNEX = "results_decision_annex"
DEDUCTED_POINTS_STATISTICS = "deducted_points_statistics"
FRAMEWORK = "framework"


def pts(value: Decimal | int | None) -> str:
    """Points as officials write them: "82,7", "0,25", "" for none."""
    return format_decimal(value, places=2) if value is not None else ""


def pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return Decimal(part) * 100 / Decimal(whole)


def _user_paragraphs(items: Sequence[Block | str]) -> list[Block]:
    """Texts typed by users become plain paragraphs (a "*" in them is kept as is)."""
    return [Para(item, markup=False) if isinstance(item, str) else item for item in items]


def _template_for(kind: str, issuer: Issuer | None, template: bytes | None) -> bytes | None:
    if template is not None:
        return template or None
    if issuer is None or issuer.unit_id is None:
        return None
    from parindex.documents.templates import active_template_bytes

    return active_template_bytes(kind, issuer.unit_id)


def _document(issuer: Issuer, doc_type, **kwargs) -> OfficialDocument:
    return OfficialDocument(
        doc_type=doc_type,
        issuing_body=issuer.issuing_body,
        parent_body=issuer.parent_body,
        issuer_symbol=issuer.symbol,
        office=kwargs.pop("office", issuer.office),
        place=issuer.place,
        issuer_name=issuer.name,
        signature=kwargs.pop("signature", issuer.signature),
        **kwargs,
    )


# --- Letters (công văn) ------------------------------------------------------------------------------


@dataclass
class LetterData:
    """A request letter (văn bản đề nghị / hướng dẫn / đôn đốc), seeds 000 and 004.

    ``paragraphs`` are the body as the user wrote it (plain text or blocks). ``deadline``
    adds the sentence with the deadline in bold; ``closing`` ends the letter ("./." added).
    """

    issuer: Issuer
    subject: str  # after "V/v "
    recipients: Sequence[str]
    paragraphs: Sequence[Block | str] = ()
    number: int | str | None = None
    date: dt.date | None = None
    date_blank_day: bool = False
    deadline: dt.datetime | dt.date | None = None
    deadline_sentence: str = "Báo cáo kết quả gửi về {issuer}"
    closing: str = "Yêu cầu các cơ quan, đơn vị nghiêm túc triển khai thực hiện"
    distribution: Sequence[str] = ()
    appendices: Sequence[Appendix] = ()


def request_letter(data: LetterData, *, template: bytes | None = None) -> bytes:
    body = _user_paragraphs(data.paragraphs)
    if data.deadline is not None:
        lead = data.deadline_sentence.format(issuer=data.issuer.short_name or data.issuer.name)
        body.append(Para(f"{lead} **trước {deadline_text(data.deadline)}**."))
    if data.closing:
        body.append(Para(data.closing.rstrip("./ ") + "./.", markup=False))
    document = _document(
        data.issuer,
        LETTER,
        number=data.number,
        date=data.date,
        date_blank_day=data.date_blank_day,
        subject=data.subject,
        recipients=data.recipients,
        body=body,
        distribution=data.distribution,
        appendices=data.appendices,
    )
    return document.render(template=_template_for(REQUEST_LETTER, data.issuer, template))


@dataclass
class ReminderData:
    """A reminder (văn bản đôn đốc) for a request whose deadline passed or is near.

    ``reference``: the request, e.g. "Công văn số 43/UBND-VP ngày 01/11/2023 của UBND xã về việc
    đôn đốc hoàn thành Kế hoạch CCHC năm"; ``task``: what was asked ("báo cáo kết quả khắc phục
    tồn tại, hạn chế"); ``outstanding``: the units that have not done it yet.
    """

    issuer: Issuer
    reference: str
    task: str
    deadline: dt.datetime | dt.date
    outstanding: Sequence[str]
    new_deadline: dt.datetime | dt.date | None = None
    recipients: Sequence[str] = ()  # default: the outstanding units
    subject: str = ""  # default "đôn đốc <task>"
    number: int | str | None = None
    date: dt.date | None = None
    date_blank_day: bool = False
    extra_paragraphs: Sequence[Block | str] = ()
    distribution: Sequence[str] = ()


def reminder_from_request(
    request, units, *, signer_title: str = "", signer_name: str = "", date: dt.date | None = None
) -> ReminderData:
    """ReminderData from a ``requests.Request`` (issuing_unit, number, issued_on, subject, deadline)
    and the units that have not answered. ``signer_title`` may hold several lines
    ("TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", separated by "/" or new lines)."""
    signature = None
    lines = [part.strip() for part in re.split(r"[\n/]", signer_title or "") if part.strip()]
    if lines:
        signature = Signature(
            title=lines[-1],
            name=signer_name,
            for_head=lines[-2] if len(lines) > 1 else "",
            authority=lines[-3] if len(lines) > 2 else "",
        )
    issuer = Issuer.from_unit(request.issuing_unit, signer_name=signer_name, signature=signature)
    issued = f" ngày {short_date(request.issued_on)}" if getattr(request, "issued_on", None) else ""
    return ReminderData(
        issuer=issuer,
        reference=f"văn bản số {request.number}{issued} của {issuer.name} về việc {request.subject}",
        task="thực hiện và gửi kết quả theo yêu cầu",
        deadline=request.deadline,
        outstanding=[unit.name for unit in units],
        subject=f"đôn đốc thực hiện văn bản số {request.number}",
        date=date or timezone.localdate(),
        date_blank_day=date is None,
    )


def reminder_letter(
    data: ReminderData | None = None,
    *,
    template: bytes | None = None,
    request=None,
    units: Sequence = (),
    signer_title: str = "",
    signer_name: str = "",
) -> bytes:
    """The reminder letter. Call with ``ReminderData``, or with ``request=`` and ``units=``
    (the requests app's model and the overdue units; see ``reminder_from_request``)."""
    if data is None:
        if request is None:
            raise TypeError("reminder_letter() needs ReminderData or request=")
        data = reminder_from_request(request, units, signer_title=signer_title, signer_name=signer_name)
    who = data.issuer.short_name or data.issuer.name
    count = len(data.outstanding)
    body: list[Block] = [
        Para(
            f"Thực hiện {data.reference}, các cơ quan, đơn vị được yêu cầu {data.task}, "
            f"thời hạn trước {deadline_text(data.deadline)}.",
            markup=False,
        ),
        Para(
            f"Đến nay, còn {count:02d} cơ quan, đơn vị chưa thực hiện, gồm:"
            if count
            else "Đến nay, các cơ quan, đơn vị đã thực hiện đầy đủ.",
            markup=False,
        ),
    ]
    body += [
        Bullet(name.rstrip(" ;.") + (";" if index < count - 1 else "."), markup=False)
        for index, name in enumerate(data.outstanding)
    ]
    body += _user_paragraphs(data.extra_paragraphs)
    if data.new_deadline is not None:
        body.append(
            Para(
                f"{who} đề nghị các cơ quan, đơn vị nêu trên khẩn trương thực hiện, gửi kết quả về {who} "
                f"**trước {deadline_text(data.new_deadline)}** để tổng hợp, báo cáo theo quy định."
            )
        )
    else:
        body.append(
            Para(
                f"{who} đề nghị các cơ quan, đơn vị nêu trên khẩn trương thực hiện, gửi kết quả về {who} "
                "trong thời gian sớm nhất để tổng hợp, báo cáo theo quy định.",
                markup=False,
            )
        )
    body.append(
        Para(
            "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm nếu chậm trễ ảnh hưởng đến kết quả "
            "Chỉ số cải cách hành chính chung./."
        )
    )
    recipients = list(data.recipients) or list(data.outstanding)
    document = _document(
        data.issuer,
        LETTER,
        number=data.number,
        date=data.date,
        date_blank_day=data.date_blank_day,
        subject=data.subject or f"đôn đốc {data.task}",
        recipients=recipients,
        body=body,
        distribution=data.distribution,
    )
    return document.render(template=_template_for(REMINDER_LETTER, data.issuer, template))


# --- Remediation and maintenance plan (Phụ lục I and II) -------------------------------------------------


@dataclass
class PlanRow:
    """One criterion in Phụ lục I (keep at maximum) or Phụ lục II (fix: below maximum)."""

    code: str
    title: str
    max_points: Decimal
    points: Decimal | None = None  # achieved in the assessed year
    measures: str = ""  # nhiệm vụ, giải pháp
    lead: str = ""  # chủ trì
    coordinators: str = ""  # phối hợp
    deadline: str | dt.date = ""
    reason: str = ""  # Phụ lục II: why points were lost (shortcoming and cause, as the .docx shows them)
    area: str = ""  # the area (lĩnh vực) heading the row is grouped under
    # Phụ lục II in .xlsx: the parts of ``reason`` in their own columns, so the sheet imports back.
    shortcoming: str = ""
    cause: str = ""
    expected: str = ""  # expected result and evidence

    @property
    def lost(self) -> Decimal | None:
        return None if self.points is None else Decimal(self.max_points) - Decimal(self.points)


@dataclass
class RemediationPlanData:
    issuer: Issuer
    year: int  # the year the plan works for (2023)
    maintain: Sequence[PlanRow] = ()
    remediate: Sequence[PlanRow] = ()
    assessed_year: int | None = None  # default: year - 1
    number: int | str | None = None
    date: dt.date | None = None
    date_blank_day: bool = False
    subject: str = ""
    bases: Sequence[str] = ()  # "Căn cứ …" paragraphs (references to the higher unit's documents)
    previous_result: str = ""  # "Năm 2022, Chỉ số CCHC của xã đạt 82,7 điểm, xếp thứ 05/08, loại Tốt."
    assignments: Sequence[tuple[str, str]] = ()  # (who, what) in "III. TỔ CHỨC THỰC HIỆN"
    distribution: Sequence[str] = ()


def _deadline_cell(value: str | dt.date) -> str:
    return short_date(value) if isinstance(value, dt.date) else (value or "")


def _grouped(rows: Sequence, make_cells) -> list[Row]:
    out: list[Row] = []
    area = None
    for row in rows:
        if row.area and row.area != area:
            area = row.area
            out.append(Row([row.area], "group"))
        out.append(Row(make_cells(row)))
    return out


def plan_appendices(data: RemediationPlanData) -> list[Appendix]:
    assessed = data.assessed_year or data.year - 1
    maintain = DataTable(
        [
            Column("Mã tiêu chí", 1.5, "center"),
            Column("Tiêu chí, tiêu chí thành phần", 5.8),
            Column("Điểm tối đa", 1.5, "center"),
            Column(f"Điểm đạt năm {assessed}", 1.6, "center"),
            Column("Nhiệm vụ, giải pháp duy trì", 5.8),
            Column("Chủ trì", 2.6),
            Column("Phối hợp", 2.6),
            Column("Thời gian hoàn thành", 2.4, "center"),
        ],
        _grouped(
            data.maintain,
            lambda r: [
                r.code,
                r.title,
                pts(r.max_points),
                pts(r.points),
                r.measures,
                r.lead,
                r.coordinators,
                _deadline_cell(r.deadline),
            ],
        ),
    )
    remediate = DataTable(
        [
            Column("Mã tiêu chí", 1.4, "center"),
            Column("Tiêu chí, tiêu chí thành phần", 4.4),
            Column("Điểm tối đa", 1.4, "center"),
            Column(f"Điểm đạt năm {assessed}", 1.5, "center"),
            Column("Điểm bị trừ", 1.4, "center"),
            Column("Tồn tại, hạn chế, nguyên nhân", 3.6),
            Column("Giải pháp khắc phục", 4.0),
            Column("Chủ trì", 2.1),
            Column("Phối hợp", 2.1),
            Column("Thời hạn", 2.3, "center"),
        ],
        _grouped(
            data.remediate,
            lambda r: [
                r.code,
                r.title,
                pts(r.max_points),
                pts(r.points),
                pts(r.lost),
                r.reason,
                r.measures,
                r.lead,
                r.coordinators,
                _deadline_cell(r.deadline),
            ],
        ),
    )
    return [
        Appendix(
            number="I",
            title=f"Các tiêu chí, tiêu chí thành phần đạt điểm tối đa năm {assessed} cần duy trì năm {data.year}",
            table=maintain,
        ),
        Appendix(
            number="II",
            title=(
                f"Các tiêu chí, tiêu chí thành phần không đạt điểm hoặc chưa đạt điểm tối đa năm {assessed} "
                f"cần khắc phục năm {data.year}"
            ),
            table=remediate,
            after=[
                Para(
                    "*Ghi chú: không bao gồm các tiêu chí, tiêu chí thành phần đánh giá qua điều tra xã hội học.*",
                    indent=False,
                    size=12,
                )
            ],
        ),
    ]


DEFAULT_ASSIGNMENTS = (
    (
        "Công chức phụ trách công tác CCHC",
        "Tham mưu tổ chức triển khai Kế hoạch; theo dõi, đôn đốc các bộ phận thực hiện; khi tự chấm điểm bám sát "
        "hướng dẫn của cơ quan cấp trên và cung cấp tài liệu kiểm chứng đầy đủ, kịp thời.",
    ),
    (
        "Các công chức chuyên môn",
        "Chủ động tham mưu thực hiện các nhiệm vụ, giải pháp tại Phụ lục I, Phụ lục II thuộc lĩnh vực được giao; "
        "nâng cao trách nhiệm trong việc tham gia trả lời phiếu điều tra xã hội học (nếu có).",
    ),
    (
        "Bộ phận phụ trách thông tin, tuyên truyền",
        "Thông tin kịp thời tình hình triển khai, kết quả thực hiện các nhiệm vụ CCHC trên Trang thông tin điện tử của đơn vị.",
    ),
)


def remediation_plan(data: RemediationPlanData, *, template: bytes | None = None) -> bytes:
    """The plan to keep criteria at maximum and fix the rest (seed 002), with Phụ lục I and II."""
    assessed = data.assessed_year or data.year - 1
    subject = data.subject or (
        f"Khắc phục những tồn tại, hạn chế Chỉ số cải cách hành chính năm {assessed}, "
        f"nâng cao Chỉ số cải cách hành chính năm {data.year}"
    )
    body: list[Block] = [Para(text, markup=False) for text in data.bases]
    if data.previous_result:
        body.append(Para(data.previous_result, markup=False))
    body.append(
        Para(
            f"{data.issuer.name} ban hành Kế hoạch khắc phục những tồn tại, hạn chế năm {assessed}, "
            f"nâng cao Chỉ số cải cách hành chính năm {data.year} với những nội dung như sau:",
            markup=False,
        )
    )
    body += [
        Heading("Mục đích, yêu cầu"),
        Heading("Mục đích:", level=2),
        Para(
            f"Duy trì kết quả các tiêu chí, tiêu chí thành phần đạt điểm tối đa và khắc phục những tiêu chí, "
            f"tiêu chí thành phần không đạt điểm hoặc chưa đạt điểm tối đa trong năm {assessed}, cải thiện, "
            f"nâng cao chất lượng Chỉ số cải cách hành chính năm {data.year}."
        ),
        Heading("Yêu cầu:", level=2),
        Para(
            "Người đứng đầu đơn vị nêu cao tinh thần trách nhiệm trong chỉ đạo, chấn chỉnh, khắc phục các tiêu chí, "
            "tiêu chí thành phần không đạt điểm hoặc chưa đạt điểm tối đa; khắc phục phải gắn với duy trì các nội dung "
            f"đã đạt điểm tối đa và với việc thực hiện Kế hoạch cải cách hành chính năm {data.year} của đơn vị."
        ),
        Heading("Mục tiêu, nhiệm vụ và giải pháp"),
        Para(
            f"1. Duy trì, nâng cao các nội dung đã đạt điểm tối đa trong năm {assessed}: "
            f"{len(data.maintain):02d} tiêu chí, tiêu chí thành phần (*chi tiết tại Phụ lục I*)."
        ),
        Para(
            f"2. Khắc phục những tồn tại, hạn chế của các nội dung không đạt điểm hoặc chưa đạt điểm tối đa trong năm "
            f"{assessed}: {len(data.remediate):02d} tiêu chí, tiêu chí thành phần, phấn đấu đạt điểm tối đa, trừ các "
            "tiêu chí điều tra xã hội học (*chi tiết tại Phụ lục II*)."
        ),
        Heading("Tổ chức thực hiện"),
    ]
    for index, (who, what) in enumerate(data.assignments or DEFAULT_ASSIGNMENTS, start=1):
        body.append(Para(f"**{index}. {_escape(who)}:** {_escape(what)}"))
    body.append(
        Para(
            f"Trên đây là Kế hoạch khắc phục những tồn tại, hạn chế Chỉ số cải cách hành chính năm {assessed}, "
            f"nâng cao Chỉ số cải cách hành chính năm {data.year} của {data.issuer.name}, yêu cầu các bộ phận liên "
            "quan nghiêm túc thực hiện./.",
            markup=False,
        )
    )
    document = _document(
        data.issuer,
        PLAN,
        number=data.number,
        date=data.date,
        date_blank_day=data.date_blank_day,
        subject=subject,
        body=body,
        distribution=data.distribution,
        appendices=plan_appendices(data),
    )
    return document.render(template=_template_for(REMEDIATION_PLAN, data.issuer, template))


def _escape(text: str) -> str:
    """Keep user text literal inside a markup paragraph."""
    return (text or "").replace("*", "\u2217")


# --- Remediation results report -------------------------------------------------------------------------


@dataclass
class ShortcomingResult:
    number: int  # "tồn tại N"
    content: str  # the shortcoming
    measures: str = ""  # what was done
    result: str = ""
    done: bool = False
    evidence: Sequence[str] = ()  # generated evidence file names
    lead: str = ""
    label: str = ""  # how the unit's list names it ("Tồn tại 1", "Tiêu chí 1.2"); default "Tồn tại <number>"

    @property
    def name(self) -> str:
        return self.label or f"Tồn tại {self.number}"


@dataclass
class RemediationResultsData:
    issuer: Issuer
    year: int
    items: Sequence[ShortcomingResult]
    source: str = ""  # "Thông báo kết luận kiểm tra công tác CCHC số …"
    recipients: Sequence[str] = ()
    number: int | str | None = None
    date: dt.date | None = None
    date_blank_day: bool = False
    remarks: Sequence[str] = ()  # remaining problems and causes
    proposals: Sequence[str] = ()  # kiến nghị, đề xuất
    distribution: Sequence[str] = ()


def remediation_results_report(data: RemediationResultsData, *, template: bytes | None = None) -> bytes:
    items = list(data.items)
    done = sum(1 for item in items if item.done)
    body: list[Block] = []
    if data.source:
        body.append(
            Para(
                f"Thực hiện {data.source}, {data.issuer.name} báo cáo kết quả khắc phục tồn tại, hạn chế trong công tác "
                f"cải cách hành chính năm {data.year} như sau:",
                markup=False,
            )
        )
    body += [
        Heading("Kết quả khắc phục"),
        Para(
            f"Tổng số tồn tại, hạn chế phải khắc phục: **{len(items):02d}**; đã khắc phục xong: **{done:02d}**; "
            f"đang khắc phục: **{len(items) - done:02d}** (*chi tiết tại Phụ lục kèm theo*)."
        ),
    ]
    for item in items:
        state = "đã khắc phục" if item.done else "đang khắc phục"
        body.append(Bullet(f"{item.name}: {item.content.rstrip('. ')} — {state}.", markup=False))
    body.append(Heading("Tồn tại, hạn chế và nguyên nhân"))
    body += [Para(t, markup=False) for t in data.remarks] or [Para("Không có.")]
    body.append(Heading("Kiến nghị, đề xuất"))
    body += [Para(t, markup=False) for t in data.proposals] or [Para("Không có.")]
    body.append(
        Para(
            f"Trên đây là báo cáo kết quả khắc phục tồn tại, hạn chế trong công tác cải cách hành chính năm {data.year} của {data.issuer.name}./.",
            markup=False,
        )
    )
    table = DataTable(
        [
            Column("Tồn tại, hạn chế", 6.0),
            Column("Giải pháp đã thực hiện", 5.5),
            Column("Kết quả", 4.0),
            Column("Tình trạng", 2.2, "center"),
            Column("Tài liệu kiểm chứng", 5.0),
            Column("Chủ trì", 2.0),
        ],
        [
            Row(
                [
                    f"{i.name}: {i.content}",
                    i.measures,
                    i.result,
                    "Đã khắc phục" if i.done else "Đang khắc phục",
                    "\n".join(i.evidence),
                    i.lead,
                ]
            )
            for i in items
        ],
    )
    document = _document(
        data.issuer,
        REPORT,
        number=data.number,
        date=data.date,
        date_blank_day=data.date_blank_day,
        subject=f"Kết quả khắc phục tồn tại, hạn chế trong công tác cải cách hành chính năm {data.year}",
        recipients=data.recipients,
        body=body,
        distribution=data.distribution,
        appendices=[
            Appendix(
                title=f"Biểu tổng hợp kết quả khắc phục tồn tại, hạn chế trong công tác cải cách hành chính năm {data.year}",
                table=table,
            )
        ],
    )
    return document.render(template=_template_for(REMEDIATION_RESULTS_REPORT, data.issuer, template))


# --- Self-assessment summary and request for appraisal ----------------------------------------------------


@dataclass
class AreaScore:
    code: str
    title: str
    max_points: Decimal
    self_points: Decimal
    note: str = ""


@dataclass
class SelfAssessmentData:
    issuer: Issuer
    year: int
    areas: Sequence[AreaScore]
    framework_reference: str = ""  # "Quyết định số 1325/QĐ-UBND ngày 23/6/2023 của UBND tỉnh Quảng Trị"
    appraiser: str = ""  # who is asked to appraise: "Hội đồng thẩm định Chỉ số CCHC huyện"
    recipients: Sequence[str] = ()
    evidence_count: int | None = None
    number: int | str | None = None
    date: dt.date | None = None
    date_blank_day: bool = False
    total_max: Decimal | None = (
        None  # default: sum of the areas' maxima (not-applicable leaves excluded by caller)
    )
    distribution: Sequence[str] = ()


def self_assessment_table(
    areas: Sequence[AreaScore], total_max: Decimal | None = None
) -> tuple[DataTable, Decimal, Decimal]:
    total_self = sum((Decimal(a.self_points) for a in areas), Decimal(0))
    maximum = total_max if total_max is not None else sum((Decimal(a.max_points) for a in areas), Decimal(0))
    rows = [
        Row(
            [
                a.code,
                a.title,
                pts(a.max_points),
                pts(a.self_points),
                pts(pct(a.self_points, a.max_points)),
                a.note,
            ]
        )
        for a in areas
    ]
    rows.append(
        Row(["", "Tổng cộng", pts(maximum), pts(total_self), pts(pct(total_self, maximum)), ""], "total")
    )
    table = DataTable(
        [
            Column("TT", 1.2, "center"),
            Column("Lĩnh vực", 7.4),
            Column("Điểm tối đa", 1.9, "center"),
            Column("Điểm tự đánh giá", 2.1, "center"),
            Column("Tỷ lệ (%)", 1.7, "center"),
            Column("Ghi chú", 2.2),
        ],
        rows,
        stt=False,
    )
    return table, total_self, maximum


def self_assessment_summary(data: SelfAssessmentData, *, template: bytes | None = None) -> bytes:
    table, total_self, maximum = self_assessment_table(data.areas, data.total_max)
    who = data.issuer.name
    reference = f"Thực hiện {data.framework_reference}, " if data.framework_reference else ""
    body: list[Block] = [
        Para(
            f"{reference}{who} đã tổ chức tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {data.year}, "
            "kết quả như sau:",
            markup=False,
        ),
        Heading("Kết quả tự đánh giá, chấm điểm"),
        Para(
            f"Tổng điểm tự đánh giá: **{pts(total_self)}/{pts(maximum)} điểm**, đạt **{pts(pct(total_self, maximum))}%**. "
            "Kết quả theo từng lĩnh vực:",
            keep_with_next=True,
        ),
        table,
        Heading("Đề nghị thẩm định"),
    ]
    appraiser = data.appraiser or "cơ quan có thẩm quyền"
    evidence = (
        f" và {data.evidence_count:02d} tài liệu kiểm chứng"
        if data.evidence_count is not None
        else " và tài liệu kiểm chứng kèm theo"
    )
    body.append(
        Para(
            f"{who} đề nghị {appraiser} thẩm định kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm "
            f"{data.year} của đơn vị. Hồ sơ gửi kèm gồm: bảng tự đánh giá, chấm điểm chi tiết{evidence}./.",
            markup=False,
        )
    )
    document = _document(
        data.issuer,
        REPORT,
        number=data.number,
        date=data.date,
        date_blank_day=data.date_blank_day,
        subject=f"Kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {data.year} và đề nghị thẩm định",
        recipients=data.recipients,
        body=body,
        distribution=data.distribution,
    )
    return document.render(template=_template_for(SELF_ASSESSMENT_SUMMARY, data.issuer, template))


# --- Results decision annex (ranking) -----------------------------------------------------------------------


@dataclass
class RankingRow:
    unit: str
    points: Decimal
    max_points: Decimal
    index_percent: Decimal
    rank: int
    rank_of: int
    band: str = ""
    self_points: Decimal | None = None


@dataclass
class RankingGroup:
    title: str  # "Các sở, ban, ngành", "UBND các huyện, thành phố"
    rows: Sequence[RankingRow]


@dataclass
class ResultsAnnexData:
    year: int
    groups: Sequence[RankingGroup]
    decision_number: str = ""  # "338/QĐ-UBND"; empty leaves it blank
    decision_date: dt.date | None = None
    decision_issuer: str = ""  # "Ủy ban nhân dân tỉnh Bắc Kạn"
    title: str = ""
    issuer: Issuer | None = None  # only used to find a replacement template


def results_table(groups: Sequence[RankingGroup]) -> DataTable:
    rows: list[Row] = []
    for group in groups:
        if group.title:
            rows.append(Row([group.title], "group"))
        for r in group.rows:
            rows.append(
                Row(
                    [
                        r.unit,
                        pts(r.self_points),
                        pts(r.points),
                        pts(r.max_points),
                        pts(r.index_percent),
                        f"{r.rank:02d}/{r.rank_of:02d}",
                        r.band,
                    ]
                )
            )
    return DataTable(
        restart_per_group=True,
        columns=[
            Column("Đơn vị", 7.5),
            Column("Điểm tự đánh giá", 2.8, "center"),
            Column("Tổng điểm đạt", 2.8, "center"),
            Column("Điểm tối đa", 2.5, "center"),
            Column("Chỉ số CCHC (%)", 2.8, "center"),
            Column("Xếp hạng", 2.4, "center"),
            Column("Xếp loại", 2.6, "center"),
        ],
        rows=rows,
    )


def _attached(kind: str, number: str, date: dt.date | None, issuer: str) -> str:
    of = f" của {issuer}" if issuer else ""
    return f"(Kèm theo {kind} số {number or '…'} {vn_date(date)}{of})"


def results_decision_annex(data: ResultsAnnexData, *, template: bytes | None = None) -> bytes:
    """The annex of the decision approving the year's ranking (one table, grouped by peer group)."""
    appendix = Appendix(
        title=data.title or f"Kết quả xếp hạng, phân loại Chỉ số cải cách hành chính năm {data.year}",
        table=results_table(data.groups),
        attached_to=_attached("Quyết định", data.decision_number, data.decision_date, data.decision_issuer),
    )
    document = OfficialDocument(
        doc_type=LETTER, issuing_body=(), place="", annex_only=True, appendices=[appendix]
    )
    return document.render(template=_template_for(RESULTS_DECISION_ANNEX, data.issuer, template))


# --- Statistics of deducted points ----------------------------------------------------------------------------


@dataclass
class DeductionRow:
    code: str
    title: str
    max_points: Decimal
    self_points: Decimal | None
    appraised_points: Decimal | None
    reason: str = ""
    lead: str = ""
    area: str = ""
    is_survey: bool = False  # survey leaves are never self-scored: no tự trừ, no bị trừ

    @property
    def deducted(self) -> Decimal | None:
        """Bị trừ: self − appraised (what the appraisers took away); an unscored leaf counts self = 0.

        Same rule as the results pages (docs/appraisal-and-results.md, "lost points"): survey leaves
        have neither column.
        """
        if self.is_survey or self.appraised_points is None:
            return None
        return max(Decimal(self.self_points or 0) - Decimal(self.appraised_points), Decimal(0))

    @property
    def self_deducted(self) -> Decimal | None:
        """Tự trừ: max − self (what the unit itself did not claim); an unscored leaf counts self = 0."""
        if self.is_survey:
            return None
        return Decimal(self.max_points) - Decimal(self.self_points or 0)


@dataclass
class DeductionStatsData:
    subject_name: str  # "huyện Bạch Thông", "cấp huyện"
    year: int
    rows: Sequence[DeductionRow]
    attached_to: str = ""  # "(Kèm theo Công văn số …/UBND-NV ngày … của UBND huyện Bạch Thông)"
    only_lost: bool = True  # leave out leaves that lost nothing
    issuer: Issuer | None = None


def deduction_rows(data: DeductionStatsData) -> list[DeductionRow]:
    rows = list(data.rows)
    if data.only_lost:
        rows = [r for r in rows if (r.deducted or 0) > 0 or (r.self_deducted or 0) > 0]
    return rows


def deducted_points_statistics(data: DeductionStatsData, *, template: bytes | None = None) -> bytes:
    rows = deduction_rows(data)
    table_rows = _grouped(
        rows,
        lambda r: [
            r.code,
            r.title,
            pts(r.max_points),
            pts(r.self_points),
            pts(r.appraised_points),
            pts(r.self_deducted),
            pts(r.deducted),
            r.reason,
            r.lead,
        ],
    )
    total_self_deducted = sum((r.self_deducted or Decimal(0) for r in rows), Decimal(0))
    total_deducted = sum((r.deducted or Decimal(0) for r in rows), Decimal(0))
    table_rows.append(
        Row(["", "Tổng cộng", "", "", "", pts(total_self_deducted), pts(total_deducted), "", ""], "total")
    )
    table = DataTable(
        [
            Column("Mã tiêu chí", 1.7, "center"),
            Column("Tiêu chí, tiêu chí thành phần", 6.8),
            Column("Điểm tối đa", 1.7, "center"),
            Column("Điểm tự đánh giá", 1.9, "center"),
            Column("Điểm thẩm định", 1.9, "center"),
            Column("Tự trừ", 1.6, "center"),
            Column("Bị trừ", 1.6, "center"),
            Column("Lý do trừ điểm", 5.0),
            Column("Chủ trì", 2.5),
        ],
        table_rows,
    )
    appendix = Appendix(
        title=(
            f"Biểu thống kê các tiêu chí, tiêu chí thành phần bị trừ điểm, tự trừ điểm năm {data.year} "
            f"của {data.subject_name}"
        ),
        table=table,
        number=None,  # a table sent with a letter ("biểu thống kê"), not a numbered appendix
        attached_to=data.attached_to,
        after=[
            Para(
                "*Ghi chú: Tự trừ = điểm tối đa − điểm tự đánh giá; Bị trừ = điểm tự đánh giá − điểm thẩm định.*",
                indent=False,
                size=12,
            )
        ],
    )
    appendix_heading_less = OfficialDocument(
        doc_type=LETTER, issuing_body=(), place="", annex_only=True, appendices=[appendix]
    )
    return appendix_heading_less.render(
        template=_template_for(DEDUCTED_POINTS_STATISTICS, data.issuer, template)
    )


# --- The framework itself ---------------------------------------------------------------------------------------


def framework_table(criteria: Sequence, *, max_total: Decimal | None = None) -> DataTable:
    """Rows of a criteria tree (objects with code, title, depth, is_leaf, max_points, rule_text, evidence_text)."""
    rows: list[Row] = []
    total = Decimal(0)
    for criterion in criteria:
        title = criterion.title
        kind = "data" if criterion.is_leaf else "bold"
        if criterion.depth == 1:
            total += Decimal(criterion.max_points or 0)
        rows.append(
            Row(
                [
                    criterion.code,
                    vn_upper_area(title) if criterion.depth == 1 else title,
                    pts(criterion.max_points),
                    criterion.rule_text or "",
                    criterion.evidence_text or "",
                ],
                kind,
            )
        )
    rows.append(Row(["", "Tổng điểm", pts(max_total if max_total is not None else total), "", ""], "total"))
    return DataTable(
        [
            Column("Mã", 1.6, "center"),
            Column("Lĩnh vực, tiêu chí, tiêu chí thành phần", 8.4),
            Column("Điểm tối đa", 1.8, "center"),
            Column("Cách tính điểm", 7.4),
            Column("Tài liệu kiểm chứng", 6.0),
        ],
        rows,
        stt=False,
    )


def vn_upper_area(title: str) -> str:
    return title.upper()


def framework_docx(framework, *, template: bytes | None = None) -> bytes:
    """The criteria framework (``frameworks.Framework``) as the annex of its decision, in tree order."""
    criteria = list(framework.criteria.order_by("sort_key"))
    if template is None and getattr(framework, "owner_unit_id", None):
        from parindex.documents.templates import active_template_bytes

        template = active_template_bytes(FRAMEWORK, framework.owner_unit_id)
    return framework_document(framework, criteria, template=template or None)


def framework_document(framework, criteria: Sequence, *, template: bytes | None = None) -> bytes:
    """Render any framework-like object (name, decision_number, decision_date, issuing_body, max_total)."""
    appendix = Appendix(
        title=f"Bộ tiêu chí đánh giá, chấm điểm Chỉ số cải cách hành chính — {framework.name}",
        table=framework_table(criteria, max_total=getattr(framework, "max_total", None)),
        attached_to=_attached(
            "Quyết định",
            getattr(framework, "decision_number", "") or "",
            getattr(framework, "decision_date", None),
            getattr(framework, "issuing_body", "") or "",
        ),
    )
    document = OfficialDocument(
        doc_type=LETTER, issuing_body=(), place="", annex_only=True, appendices=[appendix]
    )
    return document.render(template=template)
