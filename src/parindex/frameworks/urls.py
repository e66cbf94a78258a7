from django.urls import path

from parindex.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("import/", views.framework_import, name="import"),
    path("examples/<str:name>.xlsx", views.example_download, name="example"),
    path("<int:pk>/", views.framework_detail, name="detail"),
    path("<int:pk>/download/<str:fmt>/", views.framework_download, name="download"),
    path("<int:pk>/edit/", views.framework_edit, name="edit"),
    path("<int:pk>/copy/", views.framework_copy, name="copy"),
    path("<int:pk>/replace/", views.framework_replace, name="replace"),
    path("criteria/<int:pk>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/mapping/", views.criterion_mapping, name="criterion_mapping"),
]
