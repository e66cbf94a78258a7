from django.contrib import admin

from parindex.results.models import Publication


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "status", "source", "owner_unit", "decision_number", "published_at"]
    list_filter = ["status", "source", "year"]
    readonly_fields = ["status", "published_at", "published_by", "computed_at", "bands", "areas"]
