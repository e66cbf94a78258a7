"""Bulk import of users and their roles from .xlsx (``parindex import_users``, the import page).

One row = one role of one person at one unit; a person with two roles has two rows with
the same user name. The whole file is checked first (every problem of every row, in
Vietnamese) and nothing is written unless it is clean; then everything is written in one
transaction with audit rows.

Passwords (decision): a new user gets the password of the optional "password" column
(checked by the password validators) or, when that cell is empty, a generated one-time
password of 12 characters. Generated passwords are shown once (console table, optional
.xlsx from ``--passwords-out``, or from the browser an .xlsx the import job hands out for one
download, ``accounts.jobs``) and never stored in clear. Every new user
must change that password at their first login (``User.must_change_password``). An existing
user keeps their password: the column is ignored for them. Existing users' name, e-mail
and phone are updated only by an administrator (or the command line).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.core import audit
from parindex.core.spreadsheets import Column, OutColumn, RowError, SpreadsheetError, read_table, write_table
from parindex.core.text import search_key
from parindex.units.imports import managed_paths
from parindex.units.models import Membership, Unit

Role = Membership.Role

USER_COLUMNS = [
    Column("username", ("Tên đăng nhập", "Username", "User name"), required=True),
    Column("full_name", ("Họ và tên", "Full name"), required=True),
    Column("email", ("Thư điện tử", "E-mail", "Email")),
    Column("phone", ("Điện thoại", "Số điện thoại", "Phone")),
    Column("unit", ("Mã đơn vị", "Unit code", "Unit"), required=True),
    Column("role", ("Vai trò", "Role"), required=True),
    Column("title", ("Chức vụ", "Position", "Title")),
    Column("password", ("Mật khẩu", "Password")),
]

ROLE_LABELS: dict[str, str] = {
    **{
        k: Role.ADMIN
        for k in (
            "quan tri",
            "quan tri he thong",
            "quan tri vien",
            "admin",
            "administrator",
            "system administrator",
        )
    },
    **{
        k: Role.INDEX_MANAGER
        for k in ("quan ly chi so", "quan ly", "index manager", "index_manager", "manager")
    },
    **{k: Role.APPRAISER for k in ("tham dinh", "tham dinh vien", "thanh vien to tham dinh", "appraiser")},
    **{
        k: Role.UNIT_HEAD
        for k in (
            "lanh dao don vi",
            "lanh dao",
            "thu truong",
            "thu truong don vi",
            "unit head",
            "unit_head",
            "head",
        )
    },
    **{
        k: Role.UNIT_OFFICER
        for k in (
            "can bo don vi",
            "can bo",
            "cong chuc",
            "chuyen vien",
            "unit officer",
            "unit_officer",
            "officer",
        )
    },
    **{k: Role.VIEWER for k in ("nguoi theo doi", "theo doi", "xem", "nguoi xem", "viewer")},
}

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,149}$")
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud over the phone


def generate_password(length: int = 12) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass
class UserRow:
    number: int
    username: str
    full_name: str
    email: str
    phone: str
    unit: Unit
    role: str
    title: str
    password: str


@dataclass
class UserImportResult:
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (username, full name, password or "")
    updated: list[str] = field(default_factory=list)
    memberships: int = 0

    @property
    def generated_passwords(self) -> list[tuple[str, str, str]]:
        return [row for row in self.created if row[2]]

    def summary(self) -> str:
        return _("%(created)d users created, %(updated)d updated, %(roles)d roles added.") % {
            "created": len(self.created),
            "updated": len(self.updated),
            "roles": self.memberships,
        }


def _parse_role(value: str) -> str:
    role = ROLE_LABELS.get(search_key(value))
    if role is None:
        raise ValueError(
            _("Unknown role “%(value)s”: use one of %(roles)s.")
            % {"value": value, "roles": ", ".join(str(label) for label in Role.labels)}
        )
    return role


def plan_users(source, *, by=None) -> list[UserRow]:
    """Read and check the whole file; raise SpreadsheetError listing every problem."""
    table = read_table(source, USER_COLUMNS)
    heads = {c.key: c.headers[0] for c in USER_COLUMNS}
    errors: list[RowError] = []
    unit_codes = {str(raw["unit"]) for _n, raw in table if raw["unit"]}
    units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
    User = get_user_model()
    usernames = {str(raw["username"]).lower() for _n, raw in table if raw["username"]}
    existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
    paths = managed_paths(by)
    rows: list[UserRow] = []
    seen_roles: dict[tuple[str, str, str], int] = {}
    person: dict[str, tuple[int, str, str]] = {}

    for number, raw in table:
        username = str(raw["username"]).strip().lower()
        if not USERNAME_RE.match(username):
            errors.append(
                RowError(
                    number,
                    _(
                        "User names use only lower-case letters without diacritics, digits, "
                        "dots, hyphens and underscores (e.g. xa.yenthuong.canbo)."
                    ),
                    heads["username"],
                )
            )
        email = raw["email"] or ""
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(
                    RowError(
                        number, _("“%(value)s” is not an e-mail address.") % {"value": email}, heads["email"]
                    )
                )
        unit = units.get(raw["unit"])
        if unit is None:
            errors.append(
                RowError(number, _("Unknown unit code “%(code)s”.") % {"code": raw["unit"]}, heads["unit"])
            )
        role = None
        try:
            role = _parse_role(raw["role"])
        except ValueError as exc:
            errors.append(RowError(number, str(exc), heads["role"]))
        key = (username, raw["unit"], role)
        if role and key in seen_roles:
            errors.append(
                RowError(
                    number,
                    _("This role of this user at this unit is already in row %(row)d.")
                    % {"row": seen_roles[key]},
                )
            )
        seen_roles.setdefault(key, number)
        if username in person and person[username][1:] != (raw["full_name"], email):
            errors.append(
                RowError(
                    number,
                    _("Row %(row)d gives this user name a different full name or e-mail.")
                    % {"row": person[username][0]},
                )
            )
        person.setdefault(username, (number, raw["full_name"], email))
        password = raw["password"] or ""
        if password and username not in existing:
            try:
                validate_password(password, User(username=username, full_name=raw["full_name"], email=email))
            except ValidationError as exc:
                errors.append(RowError(number, " ".join(exc.messages), heads["password"]))
        if paths is not None and unit is not None:
            if role == Role.ADMIN:
                errors.append(
                    RowError(
                        number, _("Only an administrator may give the administrator role."), heads["role"]
                    )
                )
            elif not any(unit.path.startswith(p) for p in paths):
                errors.append(
                    RowError(number, _("You may only give roles at the units you manage."), heads["unit"])
                )
        for key_, limit in (("full_name", 150), ("phone", 30), ("title", 120)):
            if len(raw[key_] or "") > limit:
                errors.append(
                    RowError(
                        number, _("Too long: at most %(limit)d characters.") % {"limit": limit}, heads[key_]
                    )
                )
        if unit is not None and role is not None:
            rows.append(
                UserRow(
                    number,
                    username,
                    raw["full_name"],
                    email,
                    raw["phone"] or "",
                    unit,
                    role,
                    raw["title"] or "",
                    password,
                )
            )
    if errors:
        raise SpreadsheetError(sorted(errors, key=lambda e: e.row or 0))
    return rows


def apply_users(rows: list[UserRow], *, by=None) -> UserImportResult:
    User = get_user_model()
    result = UserImportResult()
    may_edit_people = managed_paths(by) is None
    with transaction.atomic():
        users = {u.username: u for u in User.objects.filter(username__in={r.username for r in rows})}
        for row in rows:
            user = users.get(row.username)
            if user is None:
                password = row.password or generate_password()
                user = User(username=row.username, full_name=row.full_name, email=row.email, phone=row.phone)
                user.must_change_password = True  # a password chosen by someone else: changed at first login
                user.set_password(password)
                user.save()
                users[row.username] = user
                result.created.append((row.username, row.full_name, "" if row.password else password))
                audit.record(
                    actor=by,
                    action="user.create",
                    obj=user,
                    unit=row.unit,
                    after=audit.snapshot(user, ["username", "full_name", "email", "phone"]),
                    note=_("Imported from a spreadsheet."),
                )
            elif may_edit_people and row.username not in result.updated:
                before = audit.snapshot(user, ["full_name", "email", "phone"])
                user.full_name, user.email = row.full_name, row.email or user.email
                user.phone = row.phone or user.phone
                after = audit.snapshot(user, ["full_name", "email", "phone"])
                if before != after:
                    user.save(update_fields=["full_name", "email", "phone"])
                    result.updated.append(row.username)
                    audit.record(
                        actor=by,
                        action="user.update",
                        obj=user,
                        unit=row.unit,
                        before=before,
                        after=after,
                        note=_("Imported from a spreadsheet."),
                    )
            membership, created = Membership.objects.get_or_create(
                user=user, unit=row.unit, role=row.role, defaults={"title": row.title}
            )
            if created:
                result.memberships += 1
                audit.record(
                    actor=by,
                    action="membership.create",
                    obj=membership,
                    unit=row.unit,
                    after={
                        "user": user.username,
                        "unit": row.unit.code,
                        "role": row.role,
                        "title": row.title,
                    },
                    note=_("Imported from a spreadsheet."),
                )
    return result


def import_users(source, *, by=None) -> UserImportResult:
    """Check the whole file, then write it; raises SpreadsheetError (nothing written) on any problem."""
    return apply_users(plan_users(source, by=by), by=by)


def passwords_workbook(result: UserImportResult) -> bytes:
    columns = [
        OutColumn(_("User name"), 28, value=lambda r: r[0]),
        OutColumn(_("Full name"), 30, value=lambda r: r[1]),
        OutColumn(_("One-time password"), 20, value=lambda r: r[2]),
    ]
    return write_table(columns, result.generated_passwords, sheet_title="Mat khau")


EXAMPLE_ROWS = [
    (
        "xa.yenthuong.canbo2",
        "Nguyễn Thị Hoa",
        "hoa.nt@backan.gov.vn",
        "0912345678",
        "02032",
        "Cán bộ đơn vị",
        "Công chức Văn phòng - Thống kê",
        "",
    ),
    (
        "xa.yenthuong.canbo2",
        "Nguyễn Thị Hoa",
        "hoa.nt@backan.gov.vn",
        "0912345678",
        "02032",
        "Người theo dõi",
        "",
        "",
    ),
    (
        "huyen.chodon.thamdinh2",
        "Ma Văn Sơn",
        "son.mv@backan.gov.vn",
        "",
        "064",
        "Thẩm định viên",
        "Thành viên Tổ thẩm định huyện",
        "",
    ),
]


def example_workbook() -> bytes:
    headers = [c.headers[0] for c in USER_COLUMNS]
    columns = [OutColumn(h, 24, value=lambda r, i=i: r[i]) for i, h in enumerate(headers)]
    return write_table(columns, EXAMPLE_ROWS, sheet_title="Nguoi dung")
