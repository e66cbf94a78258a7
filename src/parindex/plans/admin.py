from django.contrib import admin

from parindex.plans.models import Plan, PlanTask


class PlanTaskInline(admin.TabularInline):
    model = PlanTask
    fk_name = "plan"
    extra = 0
    fields = ("order", "area", "area_text", "content", "due_date", "status", "completion_date")
    raw_id_fields = ("area",)
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "number", "document_date", "status")
    list_filter = ("year", "status")
    search_fields = ("unit__name", "number", "title")
    raw_id_fields = ("unit", "parent_plan", "framework", "created_by")
    inlines = [PlanTaskInline]


@admin.register(PlanTask)
class PlanTaskAdmin(admin.ModelAdmin):
    list_display = ("__str__", "plan", "due_date", "status", "completion_date")
    list_filter = ("status", "plan__year")
    search_fields = ("content", "plan__unit__name")
    raw_id_fields = ("plan", "area", "lead_unit", "lead_official", "parent_task", "criteria", "coordinating_units", "evidence")
