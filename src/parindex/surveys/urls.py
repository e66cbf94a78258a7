from django.urls import path

from parindex.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:survey_id>/", views.detail, name="detail"),
    path("<int:survey_id>/edit/", views.edit, name="edit"),
    path("<int:survey_id>/open/", views.open_, name="open"),
    path("<int:survey_id>/close/", views.close, name="close"),
    path("<int:survey_id>/approve/", views.approve, name="approve"),
    path("<int:survey_id>/purge/", views.purge, name="purge"),
    path("<int:survey_id>/questions/", views.question_add, name="question_add"),
    path("<int:survey_id>/questions/template.xlsx", views.questions_template, name="questions_template"),
    path("<int:survey_id>/questions/import/", views.questions_import, name="questions_import"),
    path("<int:survey_id>/questions/<int:question_id>/delete/", views.question_delete, name="question_delete"),
    path("<int:survey_id>/respondents/template.xlsx", views.respondents_template, name="respondents_template"),
    path("<int:survey_id>/respondents/import/", views.respondents_import, name="respondents_import"),
    path("<int:survey_id>/respondents.xlsx", views.respondents_xlsx, name="respondents_xlsx"),
    path("<int:survey_id>/sample/", views.draw, name="draw"),
    path("<int:survey_id>/links/", views.links, name="links"),
    path("<int:survey_id>/answers.xlsx", views.answers_xlsx, name="answers_xlsx"),
    path("<int:survey_id>/results/", views.results, name="results"),
    path("<int:survey_id>/unit/<int:unit_id>/", views.unit_results, name="unit"),
    path("<int:survey_id>/paper/", views.paper, name="paper"),
    path("<int:survey_id>/paper/<int:batch_id>/", views.batch, name="batch"),
    path("<int:survey_id>/paper/<int:batch_id>/sheet/<int:response_id>/", views.batch, name="sheet_edit"),
    path("<int:survey_id>/paper/<int:batch_id>/draw/", views.batch_draw, name="batch_draw"),
    path("<int:survey_id>/paper/<int:batch_id>/check/<int:response_id>/", views.second_entry, name="second_entry"),
    path("r/<str:token>/", views.answer, name="answer"),
    path("r/<str:token>/answer/", views.answer_one, name="answer_one"),
]
