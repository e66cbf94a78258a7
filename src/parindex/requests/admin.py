from django.contrib import admin

from parindex.requests.models import (
    Delivery,
    JobRun,
    Notification,
    ReminderStep,
    ReportSubmission,
    Request,
    RequestRecipient,
    UserJob,
    WorkerHeartbeat,
)


class RecipientInline(admin.TabularInline):
    model = RequestRecipient
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "issuing_unit", "deadline", "status"]
    list_filter = ["status", "deliverable"]
    search_fields = ["number", "subject"]
    raw_id_fields = ["issuing_unit", "created_by"]
    inlines = [RecipientInline]


@admin.register(ReportSubmission)
class ReportSubmissionAdmin(admin.ModelAdmin):
    list_display = ["recipient", "original_name", "submitted_at", "submitted_by"]
    raw_id_fields = ["recipient", "submitted_by"]


@admin.register(ReminderStep)
class ReminderStepAdmin(admin.ModelAdmin):
    list_display = ["recipient", "step", "planned_at", "created_at", "manual"]
    raw_id_fields = ["recipient"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["step", "user", "channel", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["step", "user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "created_at", "read_at"]
    raw_id_fields = ["user"]


@admin.register(UserJob)
class UserJobAdmin(admin.ModelAdmin):
    list_display = ["label", "user", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status"]
    raw_id_fields = ["user"]


admin.site.register(JobRun, list_display=["name", "period_start", "claimed_by", "task_id"])
admin.site.register(WorkerHeartbeat, list_display=["worker_id", "hostname", "pid", "started_at", "last_seen"])
