from django.urls import path

from parindex.remediation import views

app_name = "remediation"
urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/add/", views.plan_add_item, name="plan_add_item"),
    path("plans/<int:pk>/import/", views.plan_import, name="plan_import"),
    path("plans/<int:pk>/<str:step>/", views.plan_step, name="plan_step"),
    path("plans/<int:pk>/download/<str:kind>.<str:fmt>", views.plan_download, name="plan_download"),
    path("maintenance/<int:pk>/", views.maintenance_edit, name="maintenance_edit"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("items/<int:pk>/<str:step>/", views.item_step, name="item_step"),
    path("units/<int:unit_id>/", views.unit_items, name="unit_items"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("compilation/", views.compilation, name="compilation"),
    path("targets/", views.target_edit, name="targets"),
]
