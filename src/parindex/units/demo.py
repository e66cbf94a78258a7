"""The demo province: Tỉnh Bắc Kạn with its departments, 8 districts, their offices and
108 communes/wards/towns, one user per role per relevant unit, and one 2025 merger.

Called by ``parindex seed_demo`` (``build``). Deterministic (names, codes and people are
fixed or derived from the username, never from the clock or a global random state) and
idempotent (a second run changes nothing; existing rows are matched by code/username).

Other apps' demo steps find units by code: ``PROVINCE_CODE``, ``district_code(slug)``,
``commune_code(name)`` or simply ``Unit.objects.get(code=...)``; and people by the
usernames listed in ``MAIN_LOGINS``. Every demo user has the password ``PASSWORD``.

Codes: the province and districts carry their official codes (06; 058…066); departments
and offices are ``06-SNV``, ``064-PNV``…; commune codes are 5-digit, in the official
numbering style but assigned in list order (not guaranteed to match the GSO register).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from parindex.core.text import search_key
from parindex.units.models import Membership, Unit, UnitChange

PASSWORD = "mat-khau-demo"  # noqa: S105 — the published demo password
PROVINCE_CODE = "06"
MERGE_DATE = dt.date(2025, 7, 1)
MERGE_DECISION = "Nghị quyết số 1683/NQ-UBTVQH15 ngày 16/6/2025 (ví dụ minh hoạ)"

K = Unit.Kind
Role = Membership.Role

DEPARTMENTS = [
    ("SNV", "Sở Nội vụ", "noivu"),
    ("STP", "Sở Tư pháp", "tuphap"),
    ("STC", "Sở Tài chính", "taichinh"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "khdt"),
    ("STTTT", "Sở Thông tin và Truyền thông", "tttt"),
    ("VPUB", "Văn phòng UBND tỉnh", "vpubnd"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "gddt"),
    ("SYT", "Sở Y tế", "yte"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "nongnghiep"),
    ("STNMT", "Sở Tài nguyên và Môi trường", "tnmt"),
    ("SXD", "Sở Xây dựng", "xaydung"),
    ("SGTVT", "Sở Giao thông vận tải", "gtvt"),
    ("SCT", "Sở Công Thương", "congthuong"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "ldtbxh"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "vhttdl"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "khcn"),
    ("TTT", "Thanh tra tỉnh", "thanhtra"),
    ("BDT", "Ban Dân tộc", "bandantoc"),
]

# (official code, kind label, name, slug, class, [commune-level units as "Xã X" / "Phường X" / "Thị trấn X"])
DISTRICTS = [
    (
        "058",
        "Thành phố",
        "Bắc Kạn",
        "backan",
        Unit.Grade.III,
        [
            "Phường Nguyễn Thị Minh Khai",
            "Phường Sông Cầu",
            "Phường Đức Xuân",
            "Phường Phùng Chí Kiên",
            "Phường Huyền Tụng",
            "Phường Xuất Hóa",
            "Xã Dương Quang",
            "Xã Nông Thượng",
        ],
    ),
    (
        "060",
        "Huyện",
        "Pác Nặm",
        "pacnam",
        Unit.Grade.III,
        [
            "Xã Bằng Thành",
            "Xã Nhạn Môn",
            "Xã Bộc Bố",
            "Xã Công Bằng",
            "Xã Giáo Hiệu",
            "Xã Xuân La",
            "Xã An Thắng",
            "Xã Cổ Linh",
            "Xã Nghiên Loan",
            "Xã Cao Tân",
        ],
    ),
    (
        "061",
        "Huyện",
        "Ba Bể",
        "babe",
        Unit.Grade.II,
        [
            "Thị trấn Chợ Rã",
            "Xã Bành Trạch",
            "Xã Phúc Lộc",
            "Xã Hà Hiệu",
            "Xã Cao Thượng",
            "Xã Khang Ninh",
            "Xã Nam Mẫu",
            "Xã Thượng Giáo",
            "Xã Địa Linh",
            "Xã Yến Dương",
            "Xã Chu Hương",
            "Xã Quảng Khê",
            "Xã Mỹ Phương",
            "Xã Hoàng Trĩ",
            "Xã Đồng Phúc",
        ],
    ),
    (
        "062",
        "Huyện",
        "Ngân Sơn",
        "nganson",
        Unit.Grade.III,
        [
            "Thị trấn Nà Phặc",
            "Xã Thượng Quan",
            "Xã Thuần Mang",
            "Xã Thượng Ân",
            "Xã Bằng Vân",
            "Xã Cốc Đán",
            "Xã Trung Hòa",
            "Xã Đức Vân",
            "Xã Vân Tùng",
            "Xã Lãng Ngâm",
        ],
    ),
    (
        "063",
        "Huyện",
        "Bạch Thông",
        "bachthong",
        Unit.Grade.II,
        [
            "Thị trấn Phủ Thông",
            "Xã Vi Hương",
            "Xã Sĩ Bình",
            "Xã Vũ Muộn",
            "Xã Đôn Phong",
            "Xã Lục Bình",
            "Xã Tân Tú",
            "Xã Nguyên Phúc",
            "Xã Cao Sơn",
            "Xã Quân Hà",
            "Xã Cẩm Giàng",
            "Xã Mỹ Thanh",
            "Xã Dương Phong",
            "Xã Quang Thuận",
        ],
    ),
    (
        "064",
        "Huyện",
        "Chợ Đồn",
        "chodon",
        Unit.Grade.II,
        [
            "Thị trấn Bằng Lũng",
            "Xã Xuân Lạc",
            "Xã Nam Cường",
            "Xã Đồng Lạc",
            "Xã Tân Lập",
            "Xã Bản Thi",
            "Xã Quảng Bạch",
            "Xã Bằng Phúc",
            "Xã Yên Thịnh",
            "Xã Yên Thượng",
            "Xã Phương Viên",
            "Xã Ngọc Phái",
            "Xã Đồng Thắng",
            "Xã Lương Bằng",
            "Xã Bằng Lãng",
            "Xã Đại Sảo",
            "Xã Nghĩa Tá",
            "Xã Yên Mỹ",
            "Xã Bình Trung",
            "Xã Yên Phong",
        ],
    ),
    (
        "065",
        "Huyện",
        "Chợ Mới",
        "chomoi",
        Unit.Grade.II,
        [
            "Thị trấn Đồng Tâm",
            "Xã Tân Sơn",
            "Xã Thanh Vận",
            "Xã Mai Lạp",
            "Xã Hòa Mục",
            "Xã Thanh Mai",
            "Xã Cao Kỳ",
            "Xã Nông Hạ",
            "Xã Yên Cư",
            "Xã Thanh Thịnh",
            "Xã Yên Hân",
            "Xã Như Cố",
            "Xã Bình Văn",
            "Xã Quảng Chu",
        ],
    ),
    (
        "066",
        "Huyện",
        "Na Rì",
        "nari",
        Unit.Grade.II,
        [
            "Thị trấn Yến Lạc",
            "Xã Trần Phú",
            "Xã Kim Lư",
            "Xã Văn Minh",
            "Xã Cư Lễ",
            "Xã Văn Lang",
            "Xã Côn Minh",
            "Xã Cường Lợi",
            "Xã Xuân Dương",
            "Xã Quang Phong",
            "Xã Dương Sơn",
            "Xã Đổng Xá",
            "Xã Liêm Thủy",
            "Xã Lương Thượng",
            "Xã Sơn Thành",
            "Xã Kim Hỷ",
            "Xã Lạng San",
        ],
    ),
]

DISTRICT_OFFICES = [
    ("PNV", "Phòng Nội vụ", "pnv"),
    ("PTP", "Phòng Tư pháp", "ptp"),
    ("VP", "Văn phòng HĐND và UBND", "vp"),
]

# The 2025 reorganisation example: three communes of Chợ Đồn merged into one commune
# directly under the province (districts were abolished on the same day).
MERGED_NAME = "Xã Nam Cường"
MERGED_CODE = "02000"
MERGED_FROM = ["Xã Xuân Lạc", "Xã Nam Cường", "Xã Đồng Lạc"]

_PREFIX = {"Xã": (K.COMMUNE, "xa"), "Phường": (K.WARD, "phuong"), "Thị trấn": (K.COMMUNE, "thitran")}

SURNAMES = [
    "Nguyễn",
    "Hoàng",
    "Nông",
    "Ma",
    "Triệu",
    "Lường",
    "Hà",
    "Lý",
    "Đàm",
    "Bế",
    "Lộc",
    "Trần",
    "Phạm",
    "Dương",
]
MIDDLE = {
    "m": ["Văn", "Đức", "Minh", "Quốc", "Xuân", "Hữu"],
    "f": ["Thị", "Thu", "Thanh", "Ngọc", "Hồng", "Kim"],
}
GIVEN = {
    "m": [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hải",
        "Hùng",
        "Khánh",
        "Long",
        "Nam",
        "Phong",
        "Quang",
        "Sơn",
        "Thắng",
        "Tuấn",
        "Việt",
        "Vinh",
    ],
    "f": [
        "Anh",
        "Châm",
        "Dung",
        "Giang",
        "Hà",
        "Hoa",
        "Hương",
        "Lan",
        "Liên",
        "Mai",
        "Nga",
        "Nhung",
        "Phương",
        "Thảo",
        "Trang",
        "Yến",
    ],
}

TITLES = {
    "province_head": "Chủ tịch UBND tỉnh",
    "department_head": "Giám đốc",
    "department_officer": "Chuyên viên phụ trách CCHC",
    "district_head": "Chủ tịch UBND huyện",
    "district_officer": "Chuyên viên Văn phòng HĐND và UBND",
    "district_manager": "Chuyên viên Phòng Nội vụ phụ trách CCHC",
    "district_appraiser": "Thành viên Tổ thẩm định huyện",
    "office_head": "Trưởng phòng",
    "office_officer": "Chuyên viên",
    "commune_head": "Chủ tịch UBND xã",
    "ward_head": "Chủ tịch UBND phường",
    "town_head": "Chủ tịch UBND thị trấn",
    "commune_officer": "Công chức Văn phòng - Thống kê",
}


def _slug(text: str) -> str:
    return search_key(text).replace(" ", "").replace("-", "")


def district_code(slug: str) -> str:
    for code, _kind, _name, district_slug, _grade, _communes in DISTRICTS:
        if district_slug == slug:
            return code
    raise KeyError(slug)


def _commune_plan() -> list[dict]:
    """Every commune-level unit with its code, parent code, kind, class and username stem."""
    plan, number = [], 1834
    for district, *_ignored, communes in DISTRICTS:
        for index, full_name in enumerate(communes):
            prefix = next(p for p in _PREFIX if full_name.startswith(p + " "))
            kind, stem = _PREFIX[prefix]
            short = full_name[len(prefix) + 1 :]
            plan.append(
                {
                    "code": f"{number:05d}",
                    "name": full_name,
                    "short_name": short,
                    "kind": kind,
                    "grade": (Unit.Grade.I, Unit.Grade.II, Unit.Grade.III)[index % 3 if index else 0],
                    "parent": district,
                    "user": f"{stem}.{_slug(short)}",
                    "head_title": TITLES[
                        "ward_head"
                        if kind == K.WARD
                        else "town_head"
                        if stem == "thitran"
                        else "commune_head"
                    ],
                }
            )
            number += 3
    return plan


def commune_code(name: str) -> str:
    """The demo code of a commune-level unit by its full name ("Xã Yên Thượng")."""
    for row in _commune_plan():
        if row["name"] == name:
            return row["code"]
    raise KeyError(name)


def _full_name(username: str) -> str:
    rng = random.Random(username)  # str seeds are hashed with SHA-512: stable across runs
    sex = rng.choice("mf")
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def unit_rows() -> list[dict]:
    """All demo units, parents before children."""
    rows = [
        {
            "code": PROVINCE_CODE,
            "name": "Tỉnh Bắc Kạn",
            "short_name": "Bắc Kạn",
            "kind": K.PROVINCE,
            "grade": Unit.Grade.III,
            "parent": None,
            "email": "ubnd@backan.gov.vn",
        },
    ]
    for code, name, slug in DEPARTMENTS:
        rows.append(
            {
                "code": f"{PROVINCE_CODE}-{code}",
                "name": name,
                "short_name": name,
                "kind": K.DEPARTMENT,
                "grade": "",
                "parent": PROVINCE_CODE,
                "email": f"{slug}@backan.gov.vn",
            }
        )
    for code, kind_label, name, slug, grade, _communes in DISTRICTS:
        rows.append(
            {
                "code": code,
                "name": f"{kind_label} {name}",
                "short_name": name,
                "kind": K.DISTRICT,
                "grade": grade,
                "parent": PROVINCE_CODE,
                "email": f"ubnd.{slug}@backan.gov.vn",
            }
        )
        for office_code, office_name, _office_slug in DISTRICT_OFFICES:
            suffix = "thành phố" if kind_label == "Thành phố" else "huyện"
            rows.append(
                {
                    "code": f"{code}-{office_code}",
                    "name": f"{office_name} {suffix} {name}",
                    "short_name": office_name,
                    "kind": K.DISTRICT_OFFICE,
                    "grade": "",
                    "parent": code,
                }
            )
    for commune in _commune_plan():
        rows.append({key: commune[key] for key in ("code", "name", "short_name", "kind", "grade", "parent")})
        if commune["name"] in MERGED_FROM and commune["parent"] == district_code("chodon"):
            rows[-1]["valid_to"] = MERGE_DATE - dt.timedelta(days=1)
    rows.append(
        {
            "code": MERGED_CODE,
            "name": MERGED_NAME,
            "short_name": "Nam Cường",
            "kind": K.COMMUNE,
            "grade": Unit.Grade.I,
            "parent": PROVINCE_CODE,
            "valid_from": MERGE_DATE,
        }
    )
    return rows


def user_rows() -> list[dict]:
    """(username, full name, unit code, role, title) for every demo membership."""
    rows = [
        {
            "username": "quantri",
            "full_name": "Quản trị hệ thống",
            "unit": PROVINCE_CODE,
            "role": Role.ADMIN,
            "title": "Quản trị hệ thống",
        },
        {
            "username": "snv.quanly",
            "full_name": "Hoàng Thị Thu Hà",
            "unit": PROVINCE_CODE,
            "role": Role.INDEX_MANAGER,
            "title": "Phó Trưởng phòng CCHC, Sở Nội vụ",
        },
        {
            "username": "tinh.thamdinh1",
            "full_name": "Nông Văn Thắng",
            "unit": PROVINCE_CODE,
            "role": Role.APPRAISER,
            "title": "Thành viên Tổ thẩm định tỉnh",
        },
        {
            "username": "tinh.thamdinh2",
            "full_name": "Lý Thị Mai",
            "unit": PROVINCE_CODE,
            "role": Role.APPRAISER,
            "title": "Thành viên Tổ thẩm định tỉnh",
        },
        {
            "username": "tinh.bcd",
            "full_name": "Triệu Đức Long",
            "unit": PROVINCE_CODE,
            "role": Role.VIEWER,
            "title": "Thành viên Ban Chỉ đạo CCHC tỉnh",
        },
    ]
    for code, _name, slug in DEPARTMENTS:
        unit = f"{PROVINCE_CODE}-{code}"
        rows.append(
            {
                "username": f"so.{slug}.giamdoc",
                "unit": unit,
                "role": Role.UNIT_HEAD,
                "title": TITLES["department_head"],
            }
        )
        rows.append(
            {
                "username": f"so.{slug}.canbo",
                "unit": unit,
                "role": Role.UNIT_OFFICER,
                "title": TITLES["department_officer"],
            }
        )
    for code, _kind, _name, slug, _grade, _communes in DISTRICTS:
        stem = f"huyen.{slug}"
        rows += [
            {
                "username": f"{stem}.noivu",
                "unit": code,
                "role": Role.INDEX_MANAGER,
                "title": TITLES["district_manager"],
            },
            {
                "username": f"{stem}.thamdinh",
                "unit": code,
                "role": Role.APPRAISER,
                "title": TITLES["district_appraiser"],
            },
            {
                "username": f"{stem}.chutich",
                "unit": code,
                "role": Role.UNIT_HEAD,
                "title": TITLES["district_head"],
            },
            {
                "username": f"{stem}.canbo",
                "unit": code,
                "role": Role.UNIT_OFFICER,
                "title": TITLES["district_officer"],
            },
        ]
        for office_code, _office_name, office_slug in DISTRICT_OFFICES:
            unit = f"{code}-{office_code}"
            rows.append(
                {
                    "username": f"{stem}.{office_slug}.truongphong",
                    "unit": unit,
                    "role": Role.UNIT_HEAD,
                    "title": TITLES["office_head"],
                }
            )
            rows.append(
                {
                    "username": f"{stem}.{office_slug}.canbo",
                    "unit": unit,
                    "role": Role.UNIT_OFFICER,
                    "title": TITLES["office_officer"],
                }
            )
    for commune in _commune_plan():
        rows.append(
            {
                "username": f"{commune['user']}.chutich",
                "unit": commune["code"],
                "role": Role.UNIT_HEAD,
                "title": commune["head_title"],
            }
        )
        rows.append(
            {
                "username": f"{commune['user']}.canbo",
                "unit": commune["code"],
                "role": Role.UNIT_OFFICER,
                "title": TITLES["commune_officer"],
            }
        )
    rows.append(
        {
            "username": "xa.namcuong2025.chutich",
            "unit": MERGED_CODE,
            "role": Role.UNIT_HEAD,
            "title": TITLES["commune_head"],
        }
    )
    rows.append(
        {
            "username": "xa.namcuong2025.canbo",
            "unit": MERGED_CODE,
            "role": Role.UNIT_OFFICER,
            "title": TITLES["commune_officer"],
        }
    )
    for row in rows:
        row.setdefault("full_name", _full_name(row["username"]))
    usernames = [r["username"] for r in rows]
    assert len(usernames) == len(set(usernames)), "demo usernames must be unique"
    return rows


MAIN_LOGINS = [
    ("quantri", "admin", "Tỉnh Bắc Kạn"),
    ("snv.quanly", "index_manager", "Tỉnh Bắc Kạn (Sở Nội vụ)"),
    ("tinh.thamdinh1", "appraiser", "Tỉnh Bắc Kạn"),
    ("tinh.bcd", "viewer", "Tỉnh Bắc Kạn"),
    ("so.tuphap.giamdoc", "unit_head", "Sở Tư pháp"),
    ("so.tuphap.canbo", "unit_officer", "Sở Tư pháp"),
    ("huyen.chodon.noivu", "index_manager", "Huyện Chợ Đồn"),
    ("huyen.chodon.thamdinh", "appraiser", "Huyện Chợ Đồn"),
    ("huyen.bachthong.noivu", "index_manager", "Huyện Bạch Thông"),
    ("xa.yenthuong.chutich", "unit_head", "Xã Yên Thượng"),
    ("xa.yenthuong.canbo", "unit_officer", "Xã Yên Thượng"),
    ("xa.quangthuan.canbo", "unit_officer", "Xã Quang Thuận"),
    ("xa.namcuong2025.canbo", "unit_officer", "Xã Nam Cường (2025)"),
]

_UNIT_FIELDS = ("name", "short_name", "kind", "grade", "email", "valid_from", "valid_to")


def _sync_units() -> tuple[dict[str, Unit], int]:
    existing = {u.code: u for u in Unit.objects.all()}
    created = 0
    for row in unit_rows():
        wanted = {f: row.get(f, "" if f in ("short_name", "grade", "email") else None) for f in _UNIT_FIELDS}
        parent = existing[row["parent"]] if row["parent"] else None
        unit = existing.get(row["code"])
        if unit is None:
            unit = Unit.objects.create(code=row["code"], parent=parent, **wanted)
            existing[unit.code] = unit
            created += 1
        elif any(getattr(unit, f) != v for f, v in wanted.items()) or unit.parent_id != (
            parent.pk if parent else None
        ):
            for field, value in wanted.items():
                setattr(unit, field, value)
            unit.parent = parent
            unit.save()
    return existing, created


def _sync_merge(units: dict[str, Unit]) -> None:
    successor = units[MERGED_CODE]
    chodon = district_code("chodon")
    predecessors = [u for u in units.values() if u.name in MERGED_FROM and u.parent_id == units[chodon].pk]
    change = UnitChange.objects.filter(kind=UnitChange.Kind.MERGE, successors=successor).first()
    if change is None:
        change = UnitChange.objects.create(
            kind=UnitChange.Kind.MERGE, effective_on=MERGE_DATE, decision=MERGE_DECISION
        )
        change.successors.set([successor])
    change.predecessors.set(predecessors)


def _sync_users(units: dict[str, Unit]) -> int:
    User = get_user_model()
    rows = user_rows()
    existing = dict(
        User.objects.filter(username__in=[r["username"] for r in rows]).values_list("username", "pk")
    )
    password_hash = make_password(PASSWORD)  # hashed once: hashing 350 times would take a minute
    new_users, seen = [], set()
    for row in rows:
        if row["username"] in existing or row["username"] in seen:
            continue
        seen.add(row["username"])
        new_users.append(
            User(
                username=row["username"],
                full_name=row["full_name"],
                password=password_hash,
                email=f"{row['username']}@demo.backan.gov.vn",
                is_staff=row["role"] == Role.ADMIN,
                is_superuser=row["role"] == Role.ADMIN,
            )
        )
    User.objects.bulk_create(new_users)
    ids = dict(User.objects.filter(username__in=[r["username"] for r in rows]).values_list("username", "pk"))
    have = set(Membership.objects.filter(user_id__in=ids.values()).values_list("user_id", "unit_id", "role"))
    Membership.objects.bulk_create(
        [
            Membership(user_id=ids[r["username"]], unit=units[r["unit"]], role=r["role"], title=r["title"])
            for r in rows
            if (ids[r["username"]], units[r["unit"]].pk, r["role"]) not in have
        ]
    )
    return len(new_users)


def build(*, stdout, style) -> None:
    with transaction.atomic():
        units, created_units = _sync_units()
        _sync_merge(units)
        created_users = _sync_users(units)
    stdout.write(
        style.SUCCESS(
            f"Demo province: {len(unit_rows())} units ({created_units} new), {len(user_rows())} users "
            f"({created_users} new), one role each."
        )
    )
    stdout.write(f"Every demo user's password: {PASSWORD}")
    stdout.write("Main logins:")
    width = max(len(u) for u, _r, _n in MAIN_LOGINS)
    for username, role, unit in MAIN_LOGINS:
        stdout.write(f"  {username.ljust(width)}  {role.ljust(14)}  {unit}")
    stdout.write(
        "Every commune has xa.<name>.chutich / xa.<name>.canbo (phuong.… for wards, thitran.… for towns)."
    )
