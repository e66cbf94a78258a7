import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_smoke(client, officer_a1, tasks_a1, plan_a1, sheet_a1):
    client.force_login(officer_a1)
    for url in [reverse("plans:list") + "?year=2023", reverse("plans:detail", args=[plan_a1.pk]),
                reverse("plans:task_edit", args=[tasks_a1[2].pk]), reverse("plans:task_done", args=[tasks_a1[2].pk]),
                reverse("plans:export_xlsx", args=[plan_a1.pk]), reverse("plans:export_docx", args=[plan_a1.pk]),
                reverse("plans:import", args=[plan_a1.pk]), reverse("plans:task_create", args=[plan_a1.pk]),
                reverse("plans:edit", args=[plan_a1.pk]), reverse("plans:create"), reverse("home"),
                reverse("plans:task_cancel", args=[tasks_a1[2].pk])]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
