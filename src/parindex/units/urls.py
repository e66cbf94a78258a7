from django.urls import path

from parindex.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("export/", views.unit_export, name="export"),
    path("import/", views.unit_import, name="import"),
    path("import/template/", views.unit_import_template, name="import_template"),
    path("<int:pk>/", views.unit_detail, name="detail"),
]
