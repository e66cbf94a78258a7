from django.contrib import admin

from parindex.appraisals.models import AppraiserAssignment


@admin.register(AppraiserAssignment)
class AppraiserAssignmentAdmin(admin.ModelAdmin):
    list_display = ["round", "appraiser", "unit", "area", "assigned_at"]
    list_filter = ["round"]
    raw_id_fields = ["appraiser", "unit", "area"]
