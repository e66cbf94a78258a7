from django.contrib import admin

from parindex.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "prefix", "hash", "created", "last_used_at")
    # Tokens are made and revoked by their owners on /api/tokens/; the secret is never stored.

    def has_add_permission(self, request):
        return False
