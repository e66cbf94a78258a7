"""First-login password change: users given a password by someone else must choose their own."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parindex.api.models import ApiToken
from parindex.core.models import AuditEntry
from tests.core.xlsx_helpers import make_xlsx

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "mat-khau-thu-nghiem"
NEW_PASSWORD = "Mot-mat-khau-moi-2025"
HEADER = [
    "Tên đăng nhập",
    "Họ và tên",
    "Thư điện tử",
    "Điện thoại",
    "Mã đơn vị",
    "Vai trò",
    "Chức vụ",
    "Mật khẩu",
]


def import_one(tmp_path, username="xa.a1.canbo2", password=""):
    """Import one unit officer of A1 with ``parindex import_users``; return the password to log in with."""
    path = tmp_path / "users.xlsx"
    path.write_bytes(
        make_xlsx(HEADER, [[username, "Nông Thị Mai", "", "", "A1", "Cán bộ đơn vị", "", password]])
    )
    out = io.StringIO()
    call_command("import_users", str(path), stdout=out)
    if password:
        return password
    line = next(line for line in out.getvalue().splitlines() if username in line)
    return line.split()[-1]


def login(client, username, password):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, "login refused"
    return response


def change_url(next_path):
    return f"{reverse('password_change')}?next={next_path.replace('/', '%2F')}"


@pytest.fixture
def imported(tmp_path, tree, client):
    """An imported user with a one-time password, logged in through the login page."""
    password = import_one(tmp_path)
    login(client, "xa.a1.canbo2", password)
    return User.objects.get(username="xa.a1.canbo2"), password


def test_an_imported_user_is_flagged_and_sent_to_the_password_page_from_any_url(client, imported):
    user, _password = imported
    assert user.must_change_password
    for url in (
        reverse("home"),
        reverse("units:list"),
        reverse("profile"),
        reverse("audit_log"),
        reverse("api:tokens"),
        reverse("units:detail", args=[user.memberships.get().unit_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == change_url(url), url
    posted = client.post(reverse("api:tokens"), {"name": "thử"})
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("password_change"))
    assert not ApiToken.objects.filter(user=user).exists()
    htmx = client.get(reverse("units:list"), headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == reverse("password_change")
    # The bell loaded by the password page itself gets nothing, not a redirect (no reload loop).
    bell = client.get(
        reverse("requests:bell"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver" + change_url(reverse("home"))},
    )
    assert bell.status_code == 204 and "HX-Redirect" not in bell


def test_the_password_page_explains_itself_in_vietnamese_and_the_exempt_pages_stay_open(client, imported):
    page = client.get(change_url(reverse("units:list")))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mật khẩu của bạn do quản trị viên đặt" in body
    assert 'name="next" value="/units/"' in body
    assert "Mật khẩu cũ" in body and "Xác nhận mật khẩu mới" in body
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("results:public_index")).status_code == 200  # public pages stay public
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("password_change")})
    assert switched.status_code == 302
    assert (
        "Your password was set by an administrator" in client.get(reverse("password_change")).content.decode()
    )
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("units:list"))["Location"].startswith(reverse("login"))


def test_wrong_old_password_and_mismatching_new_ones_are_refused_in_vietnamese(client, imported):
    user, password = imported
    url = change_url(reverse("units:list"))
    wrong_old = client.post(
        url, {"old_password": "sai-mat-khau", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong_old.status_code == 200
    assert "Mật khẩu cũ không chính xác" in wrong_old.content.decode()
    mismatch = client.post(
        url, {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert mismatch.status_code == 200
    assert "Hai trường mật khẩu không giống nhau" in mismatch.content.decode()
    short = client.post(url, {"old_password": password, "new_password1": "ngan", "new_password2": "ngan"})
    assert "Mật khẩu quá ngắn" in short.content.decode()
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(password)
    assert not AuditEntry.objects.filter(action="user.password.change").exists()
    assert client.get(reverse("units:list")).status_code == 302  # still held at the password page


def test_after_the_change_the_user_reaches_the_page_first_asked_for(client, imported):
    user, password = imported
    asked = client.get(reverse("units:list"))
    done = client.post(
        asked["Location"],
        {
            "old_password": password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "next": reverse("units:list"),
        },
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("units:list")
    page = client.get(reverse("units:list"))  # same session: update_session_auth_hash kept it
    assert page.status_code == 200
    assert "Mật khẩu của bạn đã được thay đổi" in page.content.decode()
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="user.password.change")
    assert entry.actor == user and entry.object_id == str(user.pk)
    assert entry.before == {"must_change_password": True} and entry.after == {"must_change_password": False}
    assert client.get(reverse("home")).status_code == 200


def test_a_foreign_next_is_ignored(client, imported):
    _user, password = imported
    done = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "next": "https://ke-gian.example/dang-nhap",
        },
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("password_change_done")


def test_a_password_from_the_import_column_must_be_changed_too(client, tmp_path, tree):
    password = import_one(tmp_path, username="xa.a1.canbo3", password="Mat-khau-quan-tri-dat-1")
    login(client, "xa.a1.canbo3", password)
    assert client.get(reverse("home"))["Location"] == change_url(reverse("home"))


def test_personas_and_demo_users_are_not_forced(client, personas):
    from django.core.management.base import OutputWrapper
    from django.core.management.color import no_style

    from parindex.units import demo

    login(client, "canbo.a1", PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    demo.build(stdout=OutputWrapper(io.StringIO()), style=no_style())
    username = demo.MAIN_LOGINS[1][0]  # not "quantri": a persona has that name here
    assert not User.objects.filter(must_change_password=True).exists()
    client.post(reverse("logout"))
    login(client, username, demo.PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    superuser = User.objects.create_superuser("root", "root@example.gov.vn", PASSWORD)
    assert not superuser.must_change_password


def test_the_api_refuses_a_flagged_users_token_and_session_with_a_clear_403(client, imported):
    from parindex.api.actions import create_token

    user, _password = imported
    _token, secret = create_token(user=user, name="thử")
    vi = client.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}", "Accept-Language": "vi"})
    assert vi.status_code == 403
    assert vi.json()["detail"].startswith("Bạn phải đổi mật khẩu được cấp")
    fresh = client.__class__()  # no session: the token alone
    en = fresh.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})
    assert en.status_code == 403
    assert en.json()["detail"].startswith("You must change the password you were given")
    schema = fresh.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {secret}"})
    assert schema.status_code == 200  # the schema is no secret: the docs wrapper must not fail on the flag
    session = client.get("/api/v1/units")  # the browser session of the same flagged user
    assert session.status_code == 403 and session["Content-Type"] == "application/json"
    user.must_change_password = False
    user.save()
    assert fresh.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_an_admin_setting_someone_elses_password_in_the_admin_flags_them(client, tree, officer_a1):
    root = User.objects.create_superuser("root", "root@example.gov.vn", PASSWORD)
    client.force_login(root)
    url = reverse("admin:auth_user_password_change", args=[officer_a1.pk])
    data = {
        "password1": "Mat-khau-quan-tri-dat-2",
        "password2": "Mat-khau-quan-tri-dat-2",
        "usable_password": "true",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    officer_a1.refresh_from_db()
    assert officer_a1.must_change_password and officer_a1.check_password("Mat-khau-quan-tri-dat-2")
    assert AuditEntry.objects.filter(action="user.password.set", object_id=str(officer_a1.pk)).count() == 1
    own = client.post(reverse("admin:auth_user_password_change", args=[root.pk]), data)
    assert own.status_code == 302
    root.refresh_from_db()
    assert not root.must_change_password  # one's own password is one's own
    added = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "xa.a1.moi",
            "usable_password": "true",
            "password1": "Mat-khau-quan-tri-dat-3",
            "password2": "Mat-khau-quan-tri-dat-3",
            "memberships-TOTAL_FORMS": "0",  # the roles inline of the user admin
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert added.status_code == 302
    assert User.objects.get(username="xa.a1.moi").must_change_password


def test_the_flag_costs_no_query_on_the_home_page(client, settings, province_manager):
    client.force_login(province_manager)

    def count():
        client.get(reverse("home"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    with_check = count()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("ForcePasswordChangeMiddleware")]
    assert count() == with_check


def test_the_profile_links_to_the_password_page(client, officer_a1):
    client.force_login(officer_a1)
    page = client.get(reverse("profile")).content.decode()
    assert f'href="{reverse("password_change")}" data-testid="password-change-link"' in page
