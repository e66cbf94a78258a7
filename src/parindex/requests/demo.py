"""Demo data of the requests app (``parindex seed_demo`` step): deterministic and idempotent.

Huyện Chợ Đồn's home-affairs office sent letter 15/UBND-NV on 05/03/2024 to its communes,
due 10h00 19/03/2024 (the deadline of seed 001); Xã Yên Thượng answered on time, the
others are overdue — so the tracking table, the reminder letter and the worker's
overdue reminders all have something to show. Rows are written directly (not through
``actions.issue_request``, which refuses past deadlines).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from parindex.requests.models import ReminderStep, ReportSubmission, Request, RequestRecipient
from parindex.requests.planner import LOCAL_TZ
from parindex.units.models import Unit

NUMBER = "15/UBND-NV"
ISSUED_AT = dt.datetime(2024, 3, 5, 9, 0, tzinfo=LOCAL_TZ)
DEADLINE = dt.datetime(2024, 3, 19, 10, 0, tzinfo=LOCAL_TZ)
ANSWERED_AT = dt.datetime(2024, 3, 18, 15, 30, tzinfo=LOCAL_TZ)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def build(*, stdout, style) -> None:
    district = Unit.objects.filter(name="Huyện Chợ Đồn").first()
    if district is None:
        stdout.write("Requests demo skipped: no Huyện Chợ Đồn in the unit tree.")
        return
    issuer = get_user_model().objects.filter(username="huyen.chodon.noivu").first()
    with transaction.atomic():
        item, created = Request.objects.get_or_create(
            issuing_unit=district,
            number=NUMBER,
            defaults={
                "issued_on": ISSUED_AT.date(),
                "subject": "Xây dựng kế hoạch khắc phục tồn tại, hạn chế Chỉ số CCHC năm 2023",
                "body": (
                    "Căn cứ kết quả Chỉ số CCHC năm 2023, UBND huyện đề nghị UBND các xã xây dựng kế hoạch "
                    "khắc phục các tiêu chí bị trừ điểm và gửi báo cáo về UBND huyện (qua Phòng Nội vụ)."
                ),
                "deliverable": "report",
                "deadline": DEADLINE,
                "created_by": issuer,
                "created_at": ISSUED_AT,
            },
        )
        communes = Unit.objects.filter(parent=district, kind=Unit.Kind.COMMUNE).active_on(ISSUED_AT.date())
        existing = set(item.recipients.values_list("unit_id", flat=True))
        RequestRecipient.objects.bulk_create(
            [RequestRecipient(request=item, unit=u) for u in communes if u.pk not in existing]
        )
        # The notice of the new request is history: mark it handled so the worker does not send it now.
        for recipient in item.recipients.all():
            ReminderStep.objects.get_or_create(
                recipient=recipient,
                step="issued",
                defaults={"planned_at": ISSUED_AT, "created_at": ISSUED_AT},
            )
        answered = item.recipients.filter(unit__name="Xã Yên Thượng").first()
        if answered is not None and not answered.reports.exists():
            report = ReportSubmission(
                recipient=answered,
                note="Kèm theo Kế hoạch khắc phục tồn tại, hạn chế năm 2024 của UBND xã.",
                submitted_at=ANSWERED_AT,
                submitted_by=get_user_model().objects.filter(username="xa.yenthuong.canbo").first(),
                original_name="Ke hoach khac phuc ton tai 2024 - Yen Thuong.pdf",
                size=len(PDF),
                content_type="application/pdf",
            )
            report.file.save("ke-hoach-khac-phuc-yen-thuong.pdf", ContentFile(PDF), save=False)
            report.save()
    stdout.write(
        style.SUCCESS(
            f"Demo request {NUMBER} of {district.name}: {item.recipients.count()} communes"
            f"{' (new)' if created else ''}; log in as huyen.chodon.noivu to follow it up."
        )
    )
