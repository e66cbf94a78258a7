from django.urls import path

from parindex.appraisals import views

app_name = "appraisals"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("round/<int:round_id>/", views.round_detail, name="round"),
    path("round/<int:round_id>/open/", views.open_phase, name="open_phase"),
    path("round/<int:round_id>/survey/", views.survey_upload, name="survey_upload"),
    path("round/<int:round_id>/assign/", views.assign, name="assign"),
    path("sheet/<int:assessment_id>/", views.sheet, name="sheet"),
    path("sheet/<int:assessment_id>/start/", views.start, name="start"),
    path("sheet/<int:assessment_id>/leaf/<int:criterion_id>/", views.appraise, name="appraise"),
    path("sheet/<int:assessment_id>/area/<int:area_id>/accept/", views.accept_area, name="accept_area"),
    path("sheet/<int:assessment_id>/complete/", views.complete, name="complete"),
    path("sheet/<int:assessment_id>/explain/<int:entry_id>/", views.explain, name="explain"),
    path("sheet/<int:assessment_id>/explanation/submit/", views.submit_explanation, name="submit_explanation"),
    path("sheet/<int:assessment_id>/adjustment/", views.adjustment, name="adjustment"),
]
