from django.contrib import admin

from parindex.remediation.models import Inspection, MaintenanceItem, RemediationItem, RemediationPlan, Target


class MaintenanceInline(admin.TabularInline):
    model = MaintenanceItem
    extra = 0
    fields = ("order", "code", "title", "points", "max_points", "measures", "lead_text", "deadline")
    raw_id_fields = ("criterion",)


@admin.register(RemediationPlan)
class RemediationPlanAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "assessed_year", "number", "status")
    list_filter = ("year", "status")
    search_fields = ("unit__name", "number", "title")
    raw_id_fields = ("unit", "result", "round", "framework", "submitted_by", "decided_by", "created_by")
    inlines = [MaintenanceInline]


@admin.register(RemediationItem)
class RemediationItemAdmin(admin.ModelAdmin):
    list_display = ("__str__", "year", "source", "code", "deadline", "status", "verified_at")
    list_filter = ("year", "source", "status")
    search_fields = ("unit__name", "title", "shortcoming")
    raw_id_fields = ("unit", "plan", "inspection", "criterion", "lead_unit", "lead_official", "verified_by", "evidence")


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("decision_number", "inspected_on", "owner_unit")
    raw_id_fields = ("owner_unit", "units", "created_by")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "index_percent", "class_label", "rank")
    raw_id_fields = ("unit", "set_by")
