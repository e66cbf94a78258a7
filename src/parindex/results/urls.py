from django.urls import path

from parindex.results import views

app_name = "results"
urlpatterns = [
    path("", views.index, name="index"),
    path("group/<int:publication_id>/<str:peer_key>/", views.group, name="group"),
    path("group/<int:publication_id>/<str:peer_key>/stats/", views.stats, name="stats"),
    path(
        "group/<int:publication_id>/<str:peer_key>/export/<str:kind>/",
        views.group_export,
        name="group_export",
    ),
    path("unit/<int:unit_id>/", views.unit, name="unit"),
    path("round/<int:round_id>/", views.review, name="review"),
    path("public/", views.public_index, name="public_index"),
    path("public/group/<int:publication_id>/<str:peer_key>/", views.public_group, name="public_group"),
    path("public/unit/<str:code>/", views.public_unit, name="public_unit"),
]
