from django.urls import path

from parindex.documents import views

app_name = "documents"
urlpatterns = [
    path("templates/", views.template_list, name="templates"),
    path("templates/upload/", views.template_upload, name="template_upload"),
    path("templates/<int:pk>/activate/", views.template_activate, name="template_activate"),
    path("templates/<int:pk>/revert/", views.template_revert, name="template_revert"),
    path("templates/<int:pk>/download/", views.template_download, name="template_download"),
    path("built-in/<slug:kind>/", views.builtin_download, name="builtin_download"),
]
