"""Imports run as user jobs: the upload answers with a redirect to the job page (tests run jobs inline)."""

from __future__ import annotations

from django.urls import reverse

from parindex.requests.models import UserJob


def job_of(response) -> UserJob:
    """The job an upload started: the response must be the redirect to its page."""
    assert response.status_code == 302, response.content.decode()[:2000]
    job = UserJob.objects.order_by("-created_at").first()
    assert job is not None
    assert response["Location"] == reverse("requests:job_status", args=[job.pk])
    return job


def job_page(client, job: UserJob) -> str:
    response = client.get(reverse("requests:job_status", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()
