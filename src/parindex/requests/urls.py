from django.urls import path

from parindex.requests import views

app_name = "requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/close/", views.request_close, name="close"),
    path("<int:pk>/remind/", views.request_remind, name="remind"),
    path("<int:pk>/export/", views.request_export, name="export"),
    path("<int:pk>/export.xlsx", views.request_export_now, name="export_now"),
    path("<int:pk>/letter.docx", views.request_letter, name="letter"),
    path("<int:pk>/retry-emails/", views.request_retry, name="retry"),
    path("recipient/<int:pk>/", views.recipient_detail, name="recipient"),
    path("report/<int:pk>/file", views.report_file, name="report_file"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<uuid:pk>/", views.job_status, name="job_status"),
    path("jobs/<uuid:pk>/download", views.job_download, name="job_download"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/bell/", views.bell, name="bell"),
    path("preferences/", views.preferences, name="preferences"),
]
