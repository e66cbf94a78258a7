from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("parindex.core.urls")),
    path("accounts/", include("parindex.accounts.urls")),
    path("accounts/2fa/", include("parindex.core.urls_security")),
    path("units/", include("parindex.units.urls")),
    path("frameworks/", include("parindex.frameworks.urls")),
    path("assessments/", include("parindex.assessments.urls")),
    path("appraisals/", include("parindex.appraisals.urls")),
    path("results/", include("parindex.results.urls")),
    path("documents/", include("parindex.documents.urls")),
    path("requests/", include("parindex.requests.urls")),
    path("plans/", include("parindex.plans.urls")),
    path("remediation/", include("parindex.remediation.urls")),
    path("surveys/", include("parindex.surveys.urls")),
    path("api/", include("parindex.api.urls")),
    path("i18n/", include("parindex.core.urls_i18n")),
    path("admin/", admin.site.urls),
]

# Error pages that need no database: 503 + Retry-After when the database or storage is down.
handler500 = "parindex.core.errors.server_error"
