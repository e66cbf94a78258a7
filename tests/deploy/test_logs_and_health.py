"""Structured JSON request and audit logs (UTC), and the /healthz readiness answer."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.db import transaction
from django.urls import reverse

from parindex.core import audit
from parindex.core.logging import JsonFormatter


def json_lines(caplog, logger_name):
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger_name]


def assert_utc(timestamp: str):
    assert timestamp.endswith("Z")
    parsed = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.UTC) - parsed).total_seconds()) < 60


@pytest.mark.django_db
def test_every_request_is_logged_as_one_json_line_with_user_unit_status_and_duration(
    caplog, client, officer_a1
):
    client.force_login(officer_a1)
    with caplog.at_level(logging.INFO, logger="parindex.request"):
        response = client.get(reverse("home"), HTTP_X_REQUEST_ID="req-123")
    [line] = json_lines(caplog, "parindex.request")
    assert line["event"] == "request"
    assert line["user"] == "canbo.a1" and line["user_id"] == officer_a1.pk
    assert line["unit"] == officer_a1.memberships.get().unit_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert isinstance(line["duration_ms"], float)
    assert line["request_id"] == "req-123" == response["X-Request-ID"]
    assert_utc(line["ts"])


@pytest.mark.django_db
def test_query_strings_and_forged_request_ids_are_not_logged(caplog, client):
    with caplog.at_level(logging.INFO, logger="parindex.request"):
        client.get(reverse("login") + "?next=/secret-search?q=Nguyen", HTTP_X_REQUEST_ID="bad id\n{json}")
    [line] = json_lines(caplog, "parindex.request")
    assert line["path"] == "/accounts/login/"
    assert "Nguyen" not in json.dumps(line)
    assert line["user"] is None
    assert line["request_id"] != "bad id\n{json}" and len(line["request_id"]) == 32


@pytest.mark.django_db
def test_audit_entries_are_logged_after_commit_with_user_unit_and_action(
    caplog, tree, officer_a1, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.INFO, logger="parindex.audit"):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                audit.record(
                    actor=officer_a1,
                    action="units.rename",
                    obj=tree["A1"],
                    before={"name": "Xã Yên Thượng"},
                    after={"name": "Xã Yên Thượng mới"},
                )
    [line] = json_lines(caplog, "parindex.audit")
    assert line["event"] == "audit" and line["action"] == "units.rename"
    assert line["user"] == "Nguyễn Văn An" and line["user_id"] == officer_a1.pk
    assert line["unit"] == tree["A1"].pk
    assert line["object_type"] == "unit" and line["object_id"] == str(tree["A1"].pk)
    assert line["changed"] == ["name"]
    assert "Yên Thượng mới" not in line["msg"] + json.dumps(line["changed"])
    assert_utc(line["at"])
    assert_utc(line["ts"])


@pytest.mark.django_db
def test_an_audit_entry_rolled_back_with_its_change_is_not_logged(caplog, tree, officer_a1):
    with caplog.at_level(logging.INFO, logger="parindex.audit"):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                audit.record(actor=officer_a1, action="units.rename", obj=tree["A1"])
                raise RuntimeError("the change failed")
    assert json_lines(caplog, "parindex.audit") == []


@pytest.mark.django_db
def test_healthz_checks_database_and_storage_and_reports_the_worker(storage_backend, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] is True and body["storage"] is True
    assert body["worker"]["status"] in ("unknown", "ok", "stale")
    assert body["status"] == ("ok" if body["worker"]["status"] == "ok" else "degraded")
    from django.core.files.storage import default_storage

    assert not default_storage.exists("healthz") or default_storage.listdir("healthz")[1] == []


@pytest.mark.django_db
def test_healthz_sees_a_live_worker_and_a_stale_one(client):
    from django.utils import timezone

    from parindex.core import jobs

    jobs.beat("web-test-worker")
    assert client.get(reverse("healthz")).json()["worker"]["status"] == "ok"
    from parindex.requests.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update(last_seen=timezone.now() - dt.timedelta(minutes=10))
    body = client.get(reverse("healthz")).json()
    assert body["worker"]["status"] == "stale" and body["status"] == "degraded"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_storage_fails(client, settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the media directory should be")
    settings.MEDIA_ROOT = blocked
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["storage"] is False and response.json()["status"] == "error"


@pytest.mark.django_db
def test_the_default_cache_is_the_shared_database_cache(settings):
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    cache.set("parindex-test", {"đơn vị": "Xã Yên Thượng"}, 30)
    assert cache.get("parindex-test") == {"đơn vị": "Xã Yên Thượng"}


@pytest.mark.django_db
def test_a_flood_of_health_probes_writes_to_the_storage_at_most_every_few_seconds(client, monkeypatch):
    from parindex.core import views

    calls = []
    monkeypatch.setattr(views, "_storage_probe", lambda: calls.append(1) or True)
    monkeypatch.setattr(views, "_last_probe", {})
    for _ in range(20):
        assert client.get(reverse("healthz")).json()["storage"] is True
    assert len(calls) == 1
