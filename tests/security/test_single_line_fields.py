"""Issue 24, finding 5: a line break in a one-line field (a request number ``"INJ/1\\r\\nBcc: …"``)
is refused where it is typed — pages, API, Django admin — and a bad row already in the
database makes its reminder e-mail fail once, cleanly: no retries, no empty file in the outbox."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.utils import timezone

from parindex.requests import reminders
from parindex.requests.models import Delivery, Notification, Request, RequestRecipient

pytestmark = pytest.mark.django_db

INJECTED = "INJ/1\r\nBcc: everyone@example.org"
MESSAGE = "chỉ được viết trên một dòng"


def request_form(tree, **overrides):
    future = timezone.localtime(timezone.now() + dt.timedelta(days=10))
    data = {
        "issuing_unit": tree["DA"].pk,
        "number": "20/UBND-NV",
        "issued_on": timezone.localdate().isoformat(),
        "subject": "Báo cáo kết quả khắc phục tồn tại",
        "body": "Dòng một.\r\nDòng hai.",
        "deliverable": "report",
        "deadline_date": future.date().isoformat(),
        "deadline_time": "10:00",
        "remind_days_before": "7, 3, 1, 0",
        "remind_overdue_every": "2",
        "remind_overdue_max": "10",
        "recipients": [tree["A1"].pk],
    }
    data.update(overrides)
    return data


def test_a_request_number_with_a_line_break_is_refused_on_the_new_request_page(
    client, tree, district_manager_a
):
    client.force_login(district_manager_a)

    response = client.post("/requests/new/", request_form(tree, number=INJECTED))

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Request.objects.exists()


def test_a_multi_line_request_body_is_still_accepted_on_the_page(client, tree, district_manager_a):
    client.force_login(district_manager_a)

    response = client.post("/requests/new/", request_form(tree))

    assert response.status_code == 302
    assert Request.objects.get().body == "Dòng một.\r\nDòng hai."


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", INJECTED),
        ("subject", "Báo cáo\nBcc: x@example.org"),
        ("number", "43/UBND\x00"),
        ("number", "43\t/UBND"),
    ],
)
def test_a_request_with_a_control_character_in_a_one_line_field_is_refused_by_the_api(
    tree, district_manager_a, field, value
):
    from parindex.api.actions import create_token

    token = create_token(user=district_manager_a, name="test")[1]
    body = {
        "issuing_unit_id": tree["DA"].pk,
        "number": "57/UBND",
        "subject": "Báo cáo kết quả CCHC quý I",
        "body": "Nội dung\r\nnhiều dòng được phép.",
        "deadline": "2099-03-31T17:00:00",
        "recipient_unit_ids": [tree["A1"].pk],
        field: value,
    }

    response = Client().post(
        "/api/v1/requests",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "vi"},
    )

    assert response.status_code == 422, response.content
    assert MESSAGE in str(response.json())
    assert not Request.objects.exists()


def test_a_line_break_in_a_unit_name_is_refused_in_django_admin(client, tree):
    from django.contrib.auth import get_user_model

    client.force_login(
        get_user_model().objects.create_superuser("root", "root@example.org", "mat-khau-dai-1")
    )

    response = client.post(
        "/admin/units/unit/add/",
        {"code": "X1", "name": "Xã Mới\r\nBcc: x@example.org", "kind": "commune", "parent": tree["DA"].pk},
    )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()


def _single_line_model_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("parindex."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField) and not field.choices:
                yield pytest.param(field, id=f"{model._meta.label}.{field.name}")


@pytest.mark.parametrize("field", list(_single_line_model_fields()))
def test_every_one_line_field_of_every_model_refuses_control_characters(field):
    with pytest.raises(ValidationError) as refused:
        field.run_validators("INJ/1\r\nBcc: x@example.org")
    assert "control_characters" in {error.code for error in refused.value.error_list}
    if type(field) is models.CharField and not field._validators:
        field.run_validators("43/UBND-NV — Báo cáo")  # ordinary text passes


def _form_classes():
    import parindex

    package = inspect.getfile(parindex).rsplit("/", 1)[0]
    from pathlib import Path

    for path in sorted(Path(package).glob("*/forms.py")):
        module = importlib.import_module(f"parindex.{path.parent.name}.forms")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def _single_line_form_fields():
    for cls in _form_classes():
        model = getattr(getattr(cls, "_meta", None), "model", None)
        for name, field in cls.base_fields.items():
            if not isinstance(field, forms.CharField) or isinstance(
                field, forms.EmailField | forms.URLField | forms.SlugField
            ):
                continue
            if isinstance(field.widget, forms.Textarea | forms.PasswordInput):
                continue
            # A ModelForm's own copy of a model field: the model's validators run in the form.
            model_field = model._meta.get_field(name) if model and name in (cls._meta.fields or ()) else None
            if not isinstance(model_field, models.CharField):
                model_field = None
            yield pytest.param(field, model_field, id=f"{cls.__module__}.{cls.__name__}.{name}")


@pytest.mark.parametrize(("field", "model_field"), list(_single_line_form_fields()))
def test_every_one_line_field_of_every_form_refuses_control_characters(field, model_field):
    with pytest.raises(ValidationError):
        if model_field is not None:
            model_field.run_validators("INJ/1\r\nBcc: x@example.org")
        else:
            field.clean("INJ/1\r\nBcc: x@example.org")


# --- the e-mail side ---------------------------------------------------------------------


@pytest.fixture
def legacy_request(tree, district_manager_a, officer_a1, settings, tmp_path):
    """A request whose number got a CR/LF before the input checks existed, and a good one."""
    from parindex.requests import actions

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    officer_a1.email = "an@a1.example"
    officer_a1.save(update_fields=["email"])
    now = timezone.now()
    good, bad = (
        actions.issue_request(
            by=district_manager_a,
            issuing_unit=tree["DA"],
            number=number,
            subject="Báo cáo kết quả CCHC quý I",
            deadline=now + dt.timedelta(days=10),
            recipient_units=[tree["A1"]],
            now=now,
        )
        for number in ("57/UBND", "58/UBND")
    )
    Request.objects.filter(pk=bad.pk).update(number=INJECTED)  # as a row written by an older version
    return good, bad, now


def test_a_legacy_request_number_with_a_line_break_fails_its_email_once_without_retries_or_empty_files(
    legacy_request, district_manager_a, settings
):
    good, bad, now = legacy_request
    clock = now
    for _ in range(reminders.MAX_ATTEMPTS + 2):
        reminders.deliver_pending_emails(now=clock)
        clock += dt.timedelta(hours=4)

    failed = Delivery.objects.get(channel="email", step__recipient__request=bad)
    assert failed.status == Delivery.Status.FAILED
    assert failed.attempts == 1  # a permanent error is not retried
    assert "BadHeaderError" in failed.last_error
    sent = Delivery.objects.get(channel="email", step__recipient__request=good)
    assert sent.status == Delivery.Status.SENT
    files = list((settings.EMAIL_FILE_PATH).iterdir())
    assert files and all(path.stat().st_size > 0 for path in files)  # no empty file left behind
    assert all(b"Bcc: everyone@example.org" not in path.read_bytes() for path in files)
    alert = Notification.objects.get(user=district_manager_a, title__contains="không gửi được")
    assert "sẽ không gửi lại" in alert.body


def test_an_invalid_recipient_address_fails_at_once_and_other_emails_still_go_out(
    legacy_request, officer_a1, head_a1
):
    from django.core import mail

    good, _bad, now = legacy_request
    Request.objects.filter(pk=_bad.pk).update(number="58/UBND")
    head_a1.email = "binh@a1.example"
    head_a1.save(update_fields=["email"])
    type(officer_a1).objects.filter(pk=officer_a1.pk).update(email="an@a1.example\nBcc: x@example.org")
    from django.test import override_settings

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        recipient = RequestRecipient.objects.get(request=good)
        reminders.claim_step(
            recipient, "manual-1", planned_at=now, now=now, users=[officer_a1, head_a1], manual=True
        )
        reminders.deliver_pending_emails(now=now + dt.timedelta(minutes=1))
        reminders.deliver_pending_emails(now=now + dt.timedelta(hours=5))

        bad_address = Delivery.objects.get(step__step="manual-1", channel="email", user=officer_a1)
        assert bad_address.status == Delivery.Status.FAILED and bad_address.attempts == 1
        assert Delivery.objects.get(step__step="manual-1", channel="email", user=head_a1).status == "sent"
        assert ["binh@a1.example"] in [m.to for m in mail.outbox]
        assert not [m for m in mail.outbox if "x@example.org" in str(m.message())]
