"""Two-step login pages (TOTP); the views live in ``parindex.core.security``."""

from django.urls import path

from parindex.core import security

urlpatterns = [
    path("setup/", security.two_factor_setup, name="two_factor_setup"),
    path("verify/", security.two_factor_verify, name="two_factor_verify"),
]
