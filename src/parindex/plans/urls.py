from django.urls import path

from parindex.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("rollup/", views.rollup, name="rollup"),
    path("import-template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/export.xlsx", views.plan_export_xlsx, name="export_xlsx"),
    path("<int:pk>/export.docx", views.plan_export_docx, name="export_docx"),
    path("<int:pk>/import/", views.plan_import, name="import"),
    path("<int:plan_pk>/tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/attach/", views.task_attach, name="task_attach"),
    path("tasks/<int:pk>/assign/", views.task_assign, name="task_assign"),
]
