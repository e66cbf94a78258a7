from django.contrib import admin

from parindex.assessments.models import Assessment, Assignment, Evidence, EvidenceLink, Round, Score


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "framework", "owner_unit", "status", "self_deadline"]
    list_filter = ["status", "year"]
    search_fields = ["name"]
    raw_id_fields = ["framework", "owner_unit", "previous"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["unit", "round", "status", "submitted_at"]
    list_filter = ["status", "round"]
    search_fields = ["unit__name"]
    raw_id_fields = ["unit", "round", "submitted_by"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["assessment", "criterion", "self_points", "not_applicable", "version"]
    raw_id_fields = ["assessment", "criterion", "updated_by"]
    # Scores change only through the score sheet (version check, audit log).
    readonly_fields = ["inputs", "self_points", "not_applicable", "version", "max_points"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["generated_name", "unit", "year", "size", "content_type", "uploaded_at"]
    list_filter = ["year"]
    search_fields = ["generated_name", "original_name", "doc_number"]
    raw_id_fields = ["unit", "uploaded_by"]
    readonly_fields = ["file", "sha256", "size", "content_type"]


admin.site.register(EvidenceLink, raw_id_fields=["score", "evidence", "created_by"])
admin.site.register(
    Assignment, raw_id_fields=["assessment", "criterion", "officer", "lead_unit", "assigned_by"]
)
