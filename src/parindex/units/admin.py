from django.contrib import admin

from parindex.units.models import Membership, Unit, UnitChange


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "grade", "parent", "valid_from", "valid_to"]
    list_filter = ["kind", "grade"]
    search_fields = ["code", "name", "search_name"]
    autocomplete_fields = ["parent"]


@admin.register(UnitChange)
class UnitChangeAdmin(admin.ModelAdmin):
    list_display = ["kind", "effective_on", "decision"]
    filter_horizontal = ["predecessors", "successors"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "title"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
