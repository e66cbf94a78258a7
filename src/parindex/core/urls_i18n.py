"""The language switch, open to anonymous users (the login page offers it too).

Django's own ``django.conf.urls.i18n`` is not exempt from ``LoginRequiredMiddleware``,
so an anonymous visitor choosing English was sent back to the login page in Vietnamese.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.i18n import set_language

urlpatterns = [
    path("setlang/", login_not_required(set_language), name="set_language"),
]
