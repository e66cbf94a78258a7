from django.contrib import admin

from parindex.documents.models import DocumentTemplate


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "owner_unit", "original_name", "is_active", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "is_active")
    search_fields = ("original_name", "owner_unit__name")
    raw_id_fields = ("owner_unit", "uploaded_by")
    readonly_fields = ("sha256", "size", "uploaded_at")
