"""Security helpers shared by every app (issue 11; the policy is written down in docs/security.md).

* ``SecurityHeadersMiddleware`` — the headers Django and django-csp do not set:
  ``Permissions-Policy``, ``Cross-Origin-Resource-Policy`` and ``Cache-Control: no-store``
  on pages shown to a logged-in user (nothing personal stays in shared caches or on disk).
* ``safe_file_response(...)`` — THE way to send a stored file (evidence, generated
  documents) to a browser: streamed from the storage in blocks (never read whole, also
  on S3), ``attachment`` unless the caller asks for inline display *and* the type is on
  the inline allow-list, ``nosniff`` always, a sandboxing CSP on the file itself, and a
  Content-Disposition that survives any file name (Vietnamese, quotes, semicolons).
* Optional TOTP two-factor login (django-otp): ``TwoFactorMiddleware`` sends a logged-in
  user who has a confirmed authenticator, or whose role must use one
  (``PARINDEX_2FA_REQUIRED_ROLES`` or the roles an administrator lists in Django admin,
  ``parindex.twofactor.RequiredRole``), to the verify (or set-up) page before anything else.
  The decision is taken once at login and kept in the session, so ordinary pages pay no
  extra query.
"""

from __future__ import annotations

import base64
import io
import mimetypes
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from parindex.core.text import safe_file_stem

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


# --- Sending stored files -----------------------------------------------------------------

# Types a browser may show inside the app's origin. Not SVG, not HTML, not XML: they can
# carry script. PDF viewers run sandboxed in every supported browser.
INLINE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)
# Types sent with their own Content-Type (as attachments). Anything else is sent as
# application/octet-stream, so a stored file never decides how a browser treats it.
ATTACHMENT_TYPES = INLINE_TYPES | frozenset(
    {
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/zip",
        "text/csv",
    }
)
STREAM_BLOCK_SIZE = 64 * 1024


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment|inline; filename="ascii"; filename*=UTF-8''…`` safe for any name.

    The ASCII fallback drops diacritics and every character that could end the header
    value or the parameter (quotes, semicolons, backslashes, control characters, path
    separators); the UTF-8 form percent-encodes everything but unreserved characters.
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1] or "file"
    dot = base.rfind(".")
    stem, ext = (base[:dot], base[dot + 1 :]) if dot > 0 else (base, "")
    ascii_name = safe_file_stem(stem) + ("." + safe_file_stem(ext, max_length=10) if ext else "")
    utf8_name = quote(base, safe="")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"


class _StreamReader(io.RawIOBase):
    """A read-only file over a botocore StreamingBody (reads in blocks, never the whole)."""

    def __init__(self, body):
        self._body = body

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._body.read(STREAM_BLOCK_SIZE if size is None or size < 0 else size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._body.close()
        finally:
            super().close()


def open_stream(name: str, storage=None) -> tuple[io.RawIOBase, int | None]:
    """Open a stored file for sequential reading: ``(file, size or None)``.

    On S3 (django-storages) ``storage.open()`` downloads the whole object before the first
    byte is read; here the object body is read straight from the HTTP response instead.
    """
    storage = storage or default_storage
    bucket = getattr(storage, "bucket", None)
    if bucket is not None and hasattr(storage, "_normalize_name"):
        from storages.utils import clean_name

        key = storage._normalize_name(clean_name(name))
        result = bucket.meta.client.get_object(Bucket=bucket.name, Key=key)
        return _StreamReader(result["Body"]), result.get("ContentLength")
    handle = storage.open(name, "rb")
    try:
        size = storage.size(name)
    except (NotImplementedError, OSError):
        size = None
    return handle, size


def safe_file_response(
    file,
    *,
    filename: str,
    content_type: str | None = None,
    inline: bool = False,
    storage=None,
) -> FileResponse:
    """Stream a stored file to the browser safely.

    ``file``: a ``FieldFile`` (``evidence.file``) or a storage name. ``filename``: the name
    the user sees (the generated evidence name, or the original one). ``content_type``:
    the type detected at upload (never the browser's claim); guessed from ``filename`` if
    omitted. ``inline=True`` shows the file in the browser only for ``INLINE_TYPES``;
    everything else is always a download.
    """
    if hasattr(file, "storage") and hasattr(file, "name"):
        storage = storage or file.storage
        name = file.name
    else:
        name = str(file)
    if not name:
        raise FileNotFoundError("no file stored")
    content_type = (content_type or mimetypes.guess_type(filename)[0] or "").split(";")[0].strip().lower()
    show_inline = inline and content_type in INLINE_TYPES
    if content_type not in ATTACHMENT_TYPES:
        content_type = "application/octet-stream"
    handle, size = open_stream(name, storage)
    response = FileResponse(handle, content_type=content_type)
    response.block_size = STREAM_BLOCK_SIZE
    response["Content-Disposition"] = content_disposition(filename, inline=show_inline)
    if size is not None:
        response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    if show_inline and content_type == "application/pdf":
        # Browsers' PDF viewers refuse to run in a sandboxed document; PDF scripts run in
        # the viewer's own sandbox, not in the app's origin. No page CSP either.
        response._csp_exempt = True
    else:
        # Even shown inline, the file gets no scripts, no plugins, no forms, no same-origin.
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
        )
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- Polyglot files -------------------------------------------------------------------------


def contains_active_content(handle) -> bool:
    """Whether a file carries HTML/SVG/script markup anywhere (``core.filecheck``'s scan).

    For uploads whose type allows no markup (images, PDF): an "HTML-in-PNG" polyglot
    passes every magic-number check, so the evidence check refuses such files.
    """
    from parindex.core.filecheck import find_active_content

    return find_active_content(handle)


# --- Two-factor login (TOTP) --------------------------------------------------------------

SESSION_2FA = "parindex_2fa"  # "none" | "verify" | "setup"


def two_factor_required(user) -> bool:
    """Whether the user's role obliges them to use an authenticator app."""
    if not getattr(user, "is_authenticated", False):
        return False
    from parindex.twofactor.models import required_roles

    required = required_roles()
    if not required:
        return False
    if user.is_superuser and "admin" in required:
        return True
    from parindex.units.models import Membership

    return Membership.objects.active().filter(user=user, role__in=required).exists()


def has_confirmed_device(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_state(user) -> str:
    if has_confirmed_device(user):
        return "verify"
    if two_factor_required(user):
        return "setup"
    return "none"


def _remember_state_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_2FA] = two_factor_state(user)


user_logged_in.connect(_remember_state_at_login, dispatch_uid="parindex-2fa-state")

_EXEMPT_URL_NAMES = {"two_factor_setup", "two_factor_verify", "logout", "set_language", "healthz", "login"}


class TwoFactorMiddleware:
    """Hold a logged-in user at the verify / set-up page until the second factor is done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            state = request.session.get(SESSION_2FA)
            if state is None:
                state = request.session[SESSION_2FA] = two_factor_state(user)
            verified = getattr(user, "is_verified", lambda: False)()
            if state != "none" and not verified:
                try:
                    match = resolve(request.path_info)
                    url_name, namespace = match.url_name, match.namespace
                except Resolver404:
                    url_name = namespace = None
                if namespace == "api:v1" or url_name == "v1_not_found":
                    # The REST API answers in JSON, never with a redirect to a page (issue 24).
                    return JsonResponse(
                        {
                            "detail": _(
                                "Log in is not finished: enter the code of your authenticator app "
                                "(two-step login) first."
                            ),
                            "code": "two_factor_pending",
                        },
                        status=401,
                    )
                if url_name not in _EXEMPT_URL_NAMES and not request.path_info.startswith(
                    settings.STATIC_URL
                ):
                    target = reverse("two_factor_verify" if state == "verify" else "two_factor_setup")
                    if request.headers.get("HX-Request"):
                        response = HttpResponse(status=204)
                        response["HX-Redirect"] = target
                        return response
                    return redirect(f"{target}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from the authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "form-control",
            }
        ),
    )


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@never_cache
@sensitive_post_parameters("token")
def two_factor_setup(request):
    """Set up an authenticator: show a QR code and the secret, confirm with one code."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from parindex.core.audit import record

    user = request.user
    if has_confirmed_device(user) and not user.is_verified():
        return redirect("two_factor_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(actor=user, action="security.2fa_enabled", note=device.name)
            otp_login(request, device)
            request.session[SESSION_2FA] = "verify"
            messages.success(request, _("Two-step login is on. You will be asked for a code at every login."))
            return redirect(_next_url(request))
        form.add_error("token", _("The code is not correct. Check the clock of your phone and try again."))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
        "required": two_factor_required(user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "security/two_factor_setup.html", context)


@never_cache
@sensitive_post_parameters("token")
def two_factor_verify(request):
    """The second step of login: one code from the user's authenticator app."""
    from django_otp import login as otp_login
    from django_otp import match_token

    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not has_confirmed_device(user):
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token", _("The code is not correct or has expired. Wait for a new code and try again.")
        )
    return render(
        request, "security/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )
