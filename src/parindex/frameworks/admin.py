"""Read-only admin: frameworks change through their screens and actions so that
validation, locking and the audit log always apply."""

from django.contrib import admin

from parindex.frameworks.models import Band, Criterion, CriterionMapping, Framework


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BandInline(ReadOnly, admin.TabularInline):
    model = Band
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "decision_number", "valid_from_year", "valid_to_year", "owner_unit", "locked_at")
    list_filter = ("valid_from_year",)
    search_fields = ("name", "decision_number")
    raw_id_fields = ("owner_unit", "previous")
    readonly_fields = ("locked_at", "locked_reason")
    inlines = [BandInline]


@admin.register(Criterion)
class CriterionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "title", "framework", "max_points", "method", "is_leaf")
    list_filter = ("framework", "method", "source")
    search_fields = ("code", "title")
    raw_id_fields = ("framework", "parent")
    ordering = ("framework", "sort_key")


@admin.register(CriterionMapping)
class CriterionMappingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("from_criterion", "to_criterion")
    raw_id_fields = ("from_criterion", "to_criterion")
