"""Background jobs: the status of an operation the caller started (imports answer 202 with it).

A job belongs to the user who started it (``UserJob.user``), as on the job page
(``requests:job_status``): anyone else's job answers 404, whatever their role. What a job
touches was checked against the visibility rule when it was started and again on the worker.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema

from parindex.api.common import responses
from parindex.requests.models import UserJob

router = Router(tags=["jobs"])


class JobAcceptedOut(Schema):
    job_id: uuid.UUID
    status: UserJob.Status
    status_url: str


class JobOut(Schema):
    id: uuid.UUID
    label: str
    status: UserJob.Status
    done: int
    total: int
    percent: int
    message: str
    error: str
    details: list[str]
    result: dict[str, Any]
    result_url: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_details(obj):
        return [str(line) for line in obj.details or []]

    @staticmethod
    def resolve_result(obj):
        return obj.result or {}


def status_url(job: UserJob) -> str:
    return reverse("api:v1:get_job", args=[job.pk])


def accepted(job: UserJob) -> dict:
    """The 202 body of an operation queued as a job."""
    job.refresh_from_db(fields=["status"])
    return {"job_id": job.pk, "status": job.status, "status_url": status_url(job)}


@router.get("/jobs/{job_id}", response=responses(JobOut, 404), operation_id="get_job")
def get_job(request, job_id: uuid.UUID):
    """Progress and outcome of a background job you started (poll until ``status`` is
    ``succeeded`` or ``failed``)."""
    return get_object_or_404(UserJob, pk=job_id, user=request.user)
