from django.contrib.auth import views as auth_views
from django.urls import path

from parindex.accounts import password_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password_views.password_change, name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("profile/", views.profile, name="profile"),
    path("import/", views.user_import, name="users_import"),
    path("import/template/", views.user_import_template, name="users_import_template"),
]
