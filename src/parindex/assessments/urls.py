from django.urls import path

from parindex.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.index, name="index"),
    path("todo/", views.todo, name="todo"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_progress, name="round_progress"),
    path("rounds/<int:pk>/summary.xlsx", views.round_summary_download, name="round_summary_xlsx"),
    path("rounds/<int:pk>/export/", views.round_export, name="round_export"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet"),
    path("sheets/<int:pk>/scores/<int:score_pk>/", views.save_score, name="save_score"),
    path("sheets/<int:pk>/scores/<int:score_pk>/evidence/", views.add_evidence, name="add_evidence"),
    path("sheets/<int:pk>/links/<int:link_pk>/detach/", views.detach_evidence, name="detach_evidence"),
    path("sheets/<int:pk>/assignments/", views.assignments, name="assignments"),
    path("sheets/<int:pk>/submit/", views.submit, name="submit"),
    path("sheets/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("sheets/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("sheets/<int:pk>/evidence.zip", views.evidence_zip, name="evidence_zip"),
    path("sheets/<int:pk>/offline.xlsx", views.offline_download, name="offline_download"),
    path("sheets/<int:pk>/offline/", views.offline_upload, name="offline_upload"),
    path("sheets/<int:pk>/offline/<uuid:upload_pk>/", views.offline_preview, name="offline_preview"),
    path("sheets/<int:pk>/summary.xlsx", views.summary_download, {"fmt": "xlsx"}, name="summary_xlsx"),
    path("sheets/<int:pk>/summary.docx", views.summary_download, {"fmt": "docx"}, name="summary_docx"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
]
