from django.contrib import admin

from parindex.surveys.models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "owner_unit", "status", "deadline")
    list_filter = ("status", "year")
    search_fields = ("name",)
    raw_id_fields = ("owner_unit", "framework", "round")
    readonly_fields = ("created_by", "approved_by", "personal_data_purged_at")
