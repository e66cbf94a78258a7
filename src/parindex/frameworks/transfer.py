"""Import and export of frameworks: the documented .xlsx layout and YAML.

.xlsx layout (``docs/frameworks.md`` has the full table) — three sheets:

* **"Bộ tiêu chí"** — the header: two columns "Thông tin" / "Giá trị", one row per field
  (Tên bộ tiêu chí, Số quyết định, Ngày quyết định, Cơ quan ban hành, Loại đơn vị áp dụng,
  Từ năm, Đến năm, Tổng điểm tối đa, Cho phép vượt tối đa, Xếp hạng khi bằng điểm,
  Điểm thưởng tối đa, Điểm trừ tối đa, Nguồn không đưa vào kế hoạch khắc phục, Ghi chú).
* **"Tiêu chí"** — one row per criterion, in tree order: Mã, Mã cha (optional; default:
  the code without its last part), Nội dung, Điểm tối đa, Cách tính điểm, Phương pháp chấm,
  Tham số (mini-syntax of ``paramtext``), Nguồn (Tự chấm / Điều tra), Cho phép không áp dụng,
  Tài liệu kiểm chứng, Chủ trì, Phối hợp.
* **"Xếp loại"** — bands from the highest down: Xếp loại, Từ (%), Tính cả cận dưới.

YAML: ``framework:`` (header, the model's field names), ``bands:`` (list) and
``criteria:`` (flat list in tree order; ``params`` either the readable text or a mapping).

Readers return ``FrameworkData`` or raise ``SpreadsheetError`` with every problem; nothing
is written by this module (``actions.import_framework`` validates and writes).

Limits (a file is refused with a message before the work grows with it): at most
``MAX_XLSX_BYTES`` / ``MAX_YAML_BYTES``, ``MAX_CRITERIA`` criteria and ``MAX_BANDS`` bands;
YAML without anchors or aliases (``&``/``*`` let 500 bytes expand to gigabytes), at most
``MAX_YAML_NODES`` values and ``MAX_YAML_DEPTH`` levels of nesting. The imports call
``read_file`` through ``core.limits.run_limited`` (a child process with a time and a memory
limit) on the worker.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from parindex.core.spreadsheets import Column, OutColumn, RowError, SpreadsheetError, read_table, write_table
from parindex.core.text import format_decimal, parse_decimal, search_key
from parindex.frameworks.paramtext import format_params, parse_method, parse_params
from parindex.frameworks.scoring import ScoringError
from parindex.frameworks.validation import BandData, CriterionData, FrameworkData

SHEET_HEADER = "Bộ tiêu chí"
SHEET_CRITERIA = "Tiêu chí"
SHEET_BANDS = "Xếp loại"

# A real framework has 50-300 criteria and 4-6 bands; the commune example is 30 KB of YAML.
MAX_XLSX_BYTES = 10 * 1024 * 1024
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_CRITERIA = 2_000
MAX_BANDS = 20
MAX_YAML_NODES = 200_000
MAX_YAML_DEPTH = 20

SOURCE_CHOICES = {
    "self": "self",
    "tu cham": "self",
    "tu danh gia": "self",
    "don vi tu cham": "self",
    "survey": "survey",
    "dieu tra": "survey",
    "dieu tra xa hoi hoc": "survey",
    "dtxhh": "survey",
    "khao sat": "survey",
    "sipas": "survey",
}

CRITERIA_COLUMNS = [
    Column("code", ("Mã", "Mã tiêu chí", "STT", "Code"), required=True),
    Column("parent", ("Mã cha", "Mã tiêu chí cha", "Parent code", "Parent")),
    Column("title", ("Nội dung", "Nội dung tiêu chí", "Tiêu chí", "Title", "Content"), required=True),
    Column(
        "max_points",
        ("Điểm tối đa", "Điểm chuẩn", "Max points", "Maximum points"),
        kind="decimal",
        required=True,
    ),
    Column("rule_text", ("Cách tính điểm", "Scoring rule")),
    Column("method", ("Phương pháp chấm", "Phương pháp", "Method")),
    Column("params", ("Tham số", "Tham số phương pháp", "Parameters")),
    Column("source", ("Nguồn", "Nguồn điểm", "Source"), choices=SOURCE_CHOICES),
    Column("allow_na", ("Cho phép không áp dụng", "Không áp dụng", "Allow not applicable"), kind="bool"),
    Column("evidence_text", ("Tài liệu kiểm chứng", "TLKC", "Evidence")),
    Column("lead_text", ("Chủ trì", "Cơ quan chủ trì", "Lead")),
    Column("coordinators_text", ("Phối hợp", "Cơ quan phối hợp", "Coordinators")),
    Column("order", ("Thứ tự", "Order"), kind="int"),
]

BAND_COLUMNS = [
    Column("label", ("Xếp loại", "Label"), required=True),
    Column("lower_bound", ("Từ (%)", "Từ", "Cận dưới", "Lower bound"), kind="decimal", required=True),
    Column("inclusive", ("Tính cả cận dưới", "Bao gồm cận dưới", "Inclusive"), kind="bool"),
]

HEADER_COLUMNS = [
    Column("key", ("Thông tin", "Field"), required=True),
    Column("value", ("Giá trị", "Value")),
]

# header field -> accepted labels (first = written)
HEADER_FIELDS = {
    "name": ("Tên bộ tiêu chí", "name"),
    "decision_number": ("Số quyết định", "decision_number"),
    "decision_date": ("Ngày quyết định", "decision_date"),
    "issuing_body": ("Cơ quan ban hành", "issuing_body"),
    "unit_kinds": ("Loại đơn vị áp dụng", "unit_kinds"),
    "valid_from_year": ("Từ năm", "valid_from_year"),
    "valid_to_year": ("Đến năm", "valid_to_year"),
    "max_total": ("Tổng điểm tối đa", "max_total"),
    "allow_over_max": ("Cho phép vượt tối đa", "allow_over_max"),
    "tie_policy": ("Xếp hạng khi bằng điểm", "tie_policy"),
    "published_points": ("Điểm công bố", "published_points"),
    "bonus_cap": ("Điểm thưởng tối đa", "bonus_cap"),
    "penalty_cap": ("Điểm trừ tối đa", "penalty_cap"),
    "excluded_sources_for_remediation": (
        "Nguồn không đưa vào kế hoạch khắc phục",
        "excluded_sources_for_remediation",
    ),
    "description": ("Ghi chú", "description"),
}
CRITERION_KEYS = {
    "code",
    "parent",
    "title",
    "max_points",
    "rule_text",
    "method",
    "params",
    "source",
    "allow_not_applicable",
    "evidence_text",
    "lead_text",
    "coordinators_text",
    "order",
}


# --- header value parsing (shared by xlsx and YAML) ---------------------------------------------


def _unit_kind_map() -> dict[str, str]:
    from parindex.units.models import Unit

    mapping = {}
    for value, label in Unit.Kind.choices:
        mapping[search_key(value)] = value
        for language in ("vi", "en"):
            with translation.override(language):
                mapping[search_key(str(label))] = value
    mapping.update(
        {"xa": "commune", "phuong": "ward", "thi tran": "commune", "so": "department", "huyen": "district"}
    )
    return mapping


def _parts_in_label(mapping: dict[str, str]) -> int:
    """The most comma-separated parts one unit-type label has ("Sở, ban, ngành" has 3)."""
    return max((len(_list(key)) for key in mapping), default=1)


def parse_unit_kinds(value) -> list[str]:
    """Unit types from a list or a comma/semicolon-separated text, each once, in order.

    Labels may themselves contain commas ("Sở, ban, ngành"): at each position the longest run
    of parts that is a label wins. A run is never longer than the longest label, so the work
    is linear in the number of parts (a list of 20,000 repeated kinds reads in milliseconds).
    """
    kinds = _unit_kind_map()
    widest = _parts_in_label(kinds)
    parts = _list(value)
    result: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(min(len(parts), i + widest), i, -1):
            kind = kinds.get(search_key(", ".join(parts[i:j])))
            if kind is not None:
                break
        else:
            raise ValueError(_("“%(kind)s” is not a unit type.") % {"kind": parts[i]})
        if kind not in result:
            result.append(kind)
        i = j
    return result


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = search_key(str(value))
    if key in ("1", "true", "x", "co", "yes", "dung"):
        return True
    if key in ("", "0", "false", "khong", "no", "sai", "none"):
        return False
    raise ValueError(_("“%(value)s” is not yes/no (Có/Không).") % {"value": value})


def _decimal(value) -> Decimal:
    try:
        number = parse_decimal(value)
    except (ValueError, ArithmeticError):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    if number is None:
        raise ValueError(_("This cell must not be empty."))
    return number


def _year(value) -> int:
    try:
        number = _decimal(value)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a year.") % {"value": value})
    if number != number.to_integral_value() or not 1900 <= number <= 2200:
        raise ValueError(_("“%(value)s” is not a year.") % {"value": value})
    return int(number)


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": value})


def _list(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).replace(";", ",").split(",") if part.strip()]


def _tie_policy(value) -> str:
    key = search_key(str(value or ""))
    if key in ("", "competition", "1, 2, 2, 4", "1,2,2,4", "canh tranh"):
        return "competition"
    if key in ("dense", "1, 2, 2, 3", "1,2,2,3", "lien tuc", "khong bo hang"):
        return "dense"
    raise ValueError(_("The tie policy must be “competition” or “dense”."))


def _published_points(value) -> str:
    """ "total" / "tổng điểm" → total; "index" / "chỉ số" (on a scale of 100) → index; empty → total."""
    key = search_key(str(value or ""))
    if key in ("", "total", "tong diem"):
        return "total"
    if key in ("index", "chi so", "chi so (thang 100)", "chi so thang 100", "chi so (thang diem 100)"):
        return "index"
    raise ValueError(_("The published points must be “total” or “index”."))


def set_header_field(data: FrameworkData, name: str, value) -> None:
    """Set one header field from a cell or YAML value; raise ValueError with a translated message."""
    if name in ("name", "decision_number", "issuing_body", "description"):
        setattr(data, name, "" if value is None else str(value).strip())
    elif name == "decision_date":
        data.decision_date = _date(value)
    elif name in ("valid_from_year", "valid_to_year"):
        setattr(data, name, _year(value))
    elif name in ("max_total", "bonus_cap", "penalty_cap"):
        setattr(data, name, _decimal(value))
    elif name == "allow_over_max":
        data.allow_over_max = _bool(value)
    elif name == "tie_policy":
        data.tie_policy = _tie_policy(value)
    elif name == "published_points":
        data.published_points = _published_points(value)
    elif name == "unit_kinds":
        data.unit_kinds = parse_unit_kinds(value)
    elif name == "excluded_sources_for_remediation":
        result = []
        for part in _list(value):
            source = SOURCE_CHOICES.get(search_key(part))
            if source is None:
                raise ValueError(_("“%(value)s” is not a source (self or survey).") % {"value": part})
            result.append(source)
        data.excluded_sources_for_remediation = result
    else:  # pragma: no cover
        raise AssertionError(name)


def _criterion(
    row: int | None,
    *,
    code,
    parent,
    title,
    max_points,
    rule_text,
    method_text,
    params,
    source,
    allow_na,
    evidence_text,
    lead_text,
    coordinators_text,
    order,
) -> CriterionData:
    item = CriterionData(
        code=str(code or "").strip(),
        parent_code=str(parent).strip() if parent not in (None, "") else None,
        title=str(title or "").strip(),
        max_points=max_points,
        rule_text=str(rule_text or "").strip(),
        source=source or "self",
        allow_not_applicable=bool(allow_na),
        evidence_text=str(evidence_text or "").strip(),
        lead_text=str(lead_text or "").strip(),
        coordinators_text=str(coordinators_text or "").strip(),
        order=order or 0,
        row=row,
    )
    try:
        item.method = parse_method(method_text)
    except ScoringError as exc:
        item.params_error = str(exc)
        item.method = str(method_text)
        return item
    if item.method:
        if isinstance(params, dict):
            item.params = params
        else:
            try:
                item.params = parse_params(item.method, params if params is None else str(params))
            except ScoringError as exc:
                item.params_error = str(exc)
    elif params not in (None, "", {}):
        item.params_error = _("parameters are given but no scoring method.")
    return item


# --- .xlsx --------------------------------------------------------------------------------------------


def _prefixed(errors, sheet: str) -> list[RowError]:
    return [RowError(e.row, f"[{sheet}] {e.message}", e.column) for e in errors]


def read_xlsx(source) -> FrameworkData:
    from openpyxl import load_workbook

    from parindex.core.spreadsheets import _read_bytes, check_xlsx_container

    data_bytes = _read_bytes(source)
    if len(data_bytes) > MAX_XLSX_BYTES:
        raise _too_large(len(data_bytes), MAX_XLSX_BYTES)
    check_xlsx_container(data_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data_bytes), read_only=True)
        sheetnames = list(workbook.sheetnames)
        workbook.close()
    except Exception:  # noqa: BLE001 — openpyxl raises many types for broken files
        raise SpreadsheetError([RowError(None, _("The spreadsheet could not be read; it may be damaged."))])
    errors: list[RowError] = []
    data = FrameworkData()
    missing = [name for name in (SHEET_HEADER, SHEET_CRITERIA) if name not in sheetnames]
    if missing:
        raise SpreadsheetError(
            [RowError(None, _("The sheet “%(sheet)s” is missing.") % {"sheet": name}) for name in missing]
        )
    # Header sheet.
    try:
        table = read_table(data_bytes, HEADER_COLUMNS, sheet=SHEET_HEADER, max_rows=200)
        labels = {search_key(label): name for name, accepted in HEADER_FIELDS.items() for label in accepted}
        for number, row in table:
            name = labels.get(search_key(row["key"]))
            if name is None:
                errors.append(
                    RowError(
                        number, f"[{SHEET_HEADER}] " + _("Unknown field “%(field)s”.") % {"field": row["key"]}
                    )
                )
                continue
            try:
                set_header_field(data, name, row["value"])
            except ValueError as exc:
                errors.append(RowError(number, f"[{SHEET_HEADER}] {row['key']}: {exc}"))
    except SpreadsheetError as exc:
        errors.extend(_prefixed(exc.errors, SHEET_HEADER))
    # Criteria sheet.
    try:
        table = read_table(data_bytes, CRITERIA_COLUMNS, sheet=SHEET_CRITERIA, max_rows=MAX_CRITERIA)
        for position, (number, row) in enumerate(table, start=1):
            data.criteria.append(
                _criterion(
                    number,
                    code=row["code"],
                    parent=row["parent"],
                    title=row["title"],
                    max_points=row["max_points"],
                    rule_text=row["rule_text"],
                    method_text=row["method"],
                    params=row["params"],
                    source=row["source"],
                    allow_na=row["allow_na"],
                    evidence_text=row["evidence_text"],
                    lead_text=row["lead_text"],
                    coordinators_text=row["coordinators_text"],
                    order=row["order"] if row["order"] is not None else position,
                )
            )
    except SpreadsheetError as exc:
        errors.extend(exc.errors)
    # Bands sheet (optional: a framework may be classified later).
    if SHEET_BANDS in sheetnames:
        try:
            table = read_table(data_bytes, BAND_COLUMNS, sheet=SHEET_BANDS, max_rows=MAX_BANDS)
            for number, row in table:
                inclusive = True if row["inclusive"] is None else row["inclusive"]
                data.bands.append(BandData(row["label"], row["lower_bound"], inclusive, number))
        except SpreadsheetError as exc:
            if not (
                len(exc.errors) == 1 and exc.errors[0].row is None and "no data rows" in exc.errors[0].message
            ):
                errors.extend(_prefixed(exc.errors, SHEET_BANDS))
    if errors:
        raise SpreadsheetError(errors)
    return data


def _header_cell(value):
    if isinstance(value, Decimal):
        return format_decimal(value, places=4)
    return value


def write_xlsx(data: FrameworkData) -> bytes:
    """The three-sheet workbook of the documented layout (readable by ``read_xlsx``)."""
    from openpyxl import Workbook

    from parindex.units.models import Unit

    kind_labels = dict(Unit.Kind.choices)
    with translation.override("vi"):
        kinds_text = "; ".join(str(kind_labels.get(k, k)) for k in data.unit_kinds)
    header_rows = [
        ("name", data.name),
        ("decision_number", data.decision_number),
        ("decision_date", data.decision_date.strftime("%d/%m/%Y") if data.decision_date else ""),
        ("issuing_body", data.issuing_body),
        ("unit_kinds", kinds_text),
        ("valid_from_year", data.valid_from_year),
        ("valid_to_year", data.valid_to_year),
        ("max_total", data.max_total),
        ("allow_over_max", "Có" if data.allow_over_max else "Không"),
        ("tie_policy", data.tie_policy),
        ("published_points", data.published_points),
        ("bonus_cap", data.bonus_cap),
        ("penalty_cap", data.penalty_cap),
        ("excluded_sources_for_remediation", ", ".join(data.excluded_sources_for_remediation)),
        ("description", data.description),
    ]
    workbook = Workbook()
    workbook.remove(workbook.active)
    write_table(
        [
            OutColumn("Thông tin", 40, value=lambda r: HEADER_FIELDS[r[0]][0]),
            OutColumn("Giá trị", 80, value=lambda r: _header_cell(r[1])),
        ],
        header_rows,
        sheet_title=SHEET_HEADER,
        workbook=workbook,
    )
    write_table(
        [
            OutColumn("Mã", 10, value=lambda c: c.code),
            OutColumn("Mã cha", 10, value=lambda c: c.parent_code or ""),
            OutColumn("Nội dung", 60, value=lambda c: c.title),
            OutColumn("Điểm tối đa", 12, kind="decimal", value=lambda c: c.max_points),
            OutColumn("Cách tính điểm", 60, value=lambda c: c.rule_text),
            OutColumn("Phương pháp chấm", 14, value=lambda c: c.method),
            OutColumn("Tham số", 40, value=lambda c: format_params(c.method, c.params)),
            OutColumn("Nguồn", 12, value=lambda c: "Điều tra" if c.source == "survey" else "Tự chấm"),
            OutColumn("Cho phép không áp dụng", 12, value=lambda c: "Có" if c.allow_not_applicable else ""),
            OutColumn("Tài liệu kiểm chứng", 40, value=lambda c: c.evidence_text),
            OutColumn("Chủ trì", 25, value=lambda c: c.lead_text),
            OutColumn("Phối hợp", 25, value=lambda c: c.coordinators_text),
        ],
        data.criteria,
        sheet_title=SHEET_CRITERIA,
        workbook=workbook,
    )
    write_table(
        [
            OutColumn("Xếp loại", 20, value=lambda b: b.label),
            OutColumn("Từ (%)", 10, kind="decimal", value=lambda b: b.lower_bound),
            OutColumn("Tính cả cận dưới", 12, value=lambda b: "Có" if b.inclusive else "Không"),
        ],
        data.bands,
        sheet_title=SHEET_BANDS,
        workbook=workbook,
        landscape=False,
    )
    # Criteria are what people open the file for.
    workbook.active = workbook.sheetnames.index(SHEET_CRITERIA)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- YAML ---------------------------------------------------------------------------------------------


class YamlRefused(Exception):
    """A YAML construct the import does not accept (anchors, aliases, excessive size or depth)."""


def _bounded_loader():
    """PyYAML's safe loader that refuses anchors and aliases and bounds nodes and depth.

    The checks run while the document is composed, before any value is built: an alias bomb
    (nested lists of aliases, 500 bytes → gigabytes) stops at its first ``&``.
    """
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        def __init__(self, stream):
            super().__init__(stream)
            self._nodes = 0
            self._depth = 0

        def _refuse(self, message: str, event, **params) -> None:
            mark = getattr(event, "start_mark", None)
            line = mark.line + 1 if mark is not None else "?"
            raise YamlRefused(message % {"line": line, **params})

        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                self._refuse(
                    _(
                        "The YAML file uses an anchor or alias (& or *) near line %(line)s; they are "
                        "not accepted: write each value out in full."
                    ),
                    event,
                )
            self._nodes += 1
            if self._nodes > MAX_YAML_NODES:
                self._refuse(
                    _("The YAML file has more than %(max)s values; it was refused near line %(line)s."),
                    event,
                    max=number_format(MAX_YAML_NODES, force_grouping=True),
                )
            self._depth += 1
            try:
                if self._depth > MAX_YAML_DEPTH:
                    self._refuse(_("The YAML file is nested too deeply near line %(line)s."), event)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return BoundedLoader


def _load_yaml(text: str):
    import yaml

    loader = _bounded_loader()(text)
    try:
        return loader.get_single_data()
    except YamlRefused as exc:
        raise SpreadsheetError([RowError(None, str(exc))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SpreadsheetError(
            [RowError(None, _("The YAML file is broken near line %(line)s.") % {"line": line or "?"})]
        ) from None
    except (ValueError, OverflowError, TypeError):
        # A value YAML reads but Python cannot build (an integer of 10,000 digits, a 30th of February).
        raise SpreadsheetError(
            [RowError(None, _("The YAML file has a value that cannot be read."))]
        ) from None
    finally:
        loader.dispose()


def _too_large(size: int, limit: int) -> SpreadsheetError:
    return SpreadsheetError(
        [
            RowError(
                None,
                _("The file is too large (%(size)s); at most %(limit)s are accepted.")
                % {"size": _megabytes(size), "limit": _megabytes(limit)},
            )
        ]
    )


def _megabytes(size: int) -> str:
    return f"{format_decimal(Decimal(size) / (1024 * 1024), places=1)} MB"


def _too_many(what: str, count: int, limit: int) -> RowError:
    return RowError(
        None,
        _("The file has %(count)s %(what)s; at most %(limit)s are accepted.")
        % {
            "count": number_format(count, force_grouping=True),
            "what": what,
            "limit": number_format(limit, force_grouping=True),
        },
    )


def read_yaml(source) -> FrameworkData:
    from parindex.core.spreadsheets import _read_bytes

    raw = _read_bytes(source)
    if len(raw) > MAX_YAML_BYTES:
        raise _too_large(len(raw), MAX_YAML_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError([RowError(None, _("The YAML file is not UTF-8 text."))])
    document = _load_yaml(text)
    if not isinstance(document, dict) or not isinstance(document.get("framework"), dict):
        raise SpreadsheetError([RowError(None, _("The YAML file must have a “framework:” section."))])
    too_many = []
    if isinstance(document.get("criteria"), list) and len(document["criteria"]) > MAX_CRITERIA:
        too_many.append(_too_many(_("criteria"), len(document["criteria"]), MAX_CRITERIA))
    if isinstance(document.get("bands"), list) and len(document["bands"]) > MAX_BANDS:
        too_many.append(_too_many(_("rating bands"), len(document["bands"]), MAX_BANDS))
    if too_many:
        raise SpreadsheetError(too_many)
    errors: list[RowError] = []
    data = FrameworkData()
    for name, value in document["framework"].items():
        if name not in HEADER_FIELDS:
            errors.append(RowError(None, _("Unknown field “%(field)s”.") % {"field": name}))
            continue
        try:
            set_header_field(data, name, value)
        except ValueError as exc:
            errors.append(RowError(None, f"{name}: {exc}"))
    criteria = document.get("criteria")
    if not isinstance(criteria, list):
        errors.append(RowError(None, _("The YAML file must have a “criteria:” list.")))
        criteria = []
    for position, entry in enumerate(criteria, start=1):
        if not isinstance(entry, dict):
            errors.append(
                RowError(position, _("Each criterion must be a mapping (code, title, max_points, …)."))
            )
            continue
        unknown = sorted(set(entry) - CRITERION_KEYS)
        if unknown:
            errors.append(RowError(position, _("Unknown field “%(field)s”.") % {"field": unknown[0]}))
            continue
        try:
            max_points = _decimal(entry.get("max_points"))
        except ValueError as exc:
            errors.append(RowError(position, f"max_points: {exc}"))
            max_points = None
        source = SOURCE_CHOICES.get(search_key(str(entry.get("source") or "self")))
        if source is None:
            errors.append(
                RowError(
                    position, _("“%(value)s” is not a source (self or survey).") % {"value": entry["source"]}
                )
            )
            source = "self"
        try:
            allow_na = _bool(entry.get("allow_not_applicable", False))
        except ValueError as exc:
            errors.append(RowError(position, str(exc)))
            allow_na = False
        data.criteria.append(
            _criterion(
                position,
                code=entry.get("code"),
                parent=entry.get("parent"),
                title=entry.get("title"),
                max_points=max_points,
                rule_text=entry.get("rule_text"),
                method_text=entry.get("method"),
                params=entry.get("params"),
                source=source,
                allow_na=allow_na,
                evidence_text=entry.get("evidence_text"),
                lead_text=entry.get("lead_text"),
                coordinators_text=entry.get("coordinators_text"),
                order=entry.get("order") or position,
            )
        )
    bands = document.get("bands") or []
    if not isinstance(bands, list):
        errors.append(RowError(None, _("“bands:” must be a list.")))
        bands = []
    for position, entry in enumerate(bands, start=1):
        if not isinstance(entry, dict) or "label" not in entry:
            errors.append(RowError(None, _("Band %(n)s needs a label and a lower bound.") % {"n": position}))
            continue
        try:
            data.bands.append(
                BandData(
                    str(entry["label"]),
                    _decimal(entry.get("lower_bound")),
                    _bool(entry.get("inclusive", True)),
                )
            )
        except ValueError as exc:
            errors.append(RowError(None, f"{entry['label']}: {exc}"))
    if errors:
        raise SpreadsheetError(errors)
    return data


def _yaml_number(value: Decimal | None):
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)  # ≤ 4 decimals and ≤ 9 digits: the shortest repr reads back exactly


def write_yaml(data: FrameworkData) -> str:
    import yaml

    header = {
        "name": data.name,
        "decision_number": data.decision_number,
        "decision_date": data.decision_date.isoformat() if data.decision_date else None,
        "issuing_body": data.issuing_body,
        "unit_kinds": list(data.unit_kinds),
        "valid_from_year": data.valid_from_year,
        "valid_to_year": data.valid_to_year,
        "max_total": _yaml_number(data.max_total),
        "allow_over_max": data.allow_over_max,
        "tie_policy": data.tie_policy,
        "published_points": data.published_points,
        "bonus_cap": _yaml_number(data.bonus_cap),
        "penalty_cap": _yaml_number(data.penalty_cap),
        "excluded_sources_for_remediation": list(data.excluded_sources_for_remediation),
        "description": data.description,
    }
    criteria = []
    for c in data.criteria:
        entry = {"code": c.code}
        if c.parent_code:
            entry["parent"] = c.parent_code
        entry["title"] = c.title
        entry["max_points"] = _yaml_number(c.max_points)
        if c.method:
            entry["method"] = c.method
            text = format_params(c.method, c.params)
            if text:
                entry["params"] = text
        if c.source != "self":
            entry["source"] = c.source
        if c.allow_not_applicable:
            entry["allow_not_applicable"] = True
        for name in ("rule_text", "evidence_text", "lead_text", "coordinators_text"):
            if getattr(c, name):
                entry[name] = getattr(c, name)
        criteria.append(entry)
    document = {
        "framework": header,
        "bands": [
            {"label": b.label, "lower_bound": _yaml_number(b.lower_bound), "inclusive": b.inclusive}
            for b in data.bands
        ],
        "criteria": criteria,
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110)


# --- dispatch -------------------------------------------------------------------------------------------


def check_upload(filename: str, size: int | None) -> None:
    """What is checked in the request before an import is queued: the type and the size."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".yaml", ".yml"):
        raise SpreadsheetError([RowError(None, _("Unsupported file type; use .xlsx or .yaml."))])
    limit = MAX_XLSX_BYTES if suffix == ".xlsx" else MAX_YAML_BYTES
    if size is not None and size > limit:
        raise _too_large(size, limit)


def read_file_limited(source, filename: str) -> FrameworkData:
    """``read_file`` in a child process under the import time and memory limits (``core.limits``).

    What the imports call: a file that would take too long or too much memory to read is
    refused with a message (``ValidationError``) and the worker carries on."""
    import openpyxl  # noqa: F401 — imported before the fork, so the child never waits on an import lock
    import yaml  # noqa: F401

    from parindex.core.limits import run_limited
    from parindex.core.spreadsheets import _read_bytes

    return run_limited(read_file, _read_bytes(source), filename)


def read_file(source, filename: str) -> FrameworkData:
    """Read .xlsx or .yaml/.yml by the file name's extension."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(source)
    if suffix in (".yaml", ".yml"):
        return read_yaml(source)
    raise SpreadsheetError([RowError(None, _("Unsupported file type; use .xlsx or .yaml."))])


def framework_to_data(framework) -> FrameworkData:
    """The plain data of a stored framework, criteria in tree order (for export and comparison)."""
    data = FrameworkData(
        name=framework.name,
        decision_number=framework.decision_number,
        decision_date=framework.decision_date,
        issuing_body=framework.issuing_body,
        unit_kinds=list(framework.unit_kinds or []),
        valid_from_year=framework.valid_from_year,
        valid_to_year=framework.valid_to_year,
        max_total=framework.max_total,
        allow_over_max=framework.allow_over_max,
        tie_policy=framework.tie_policy,
        published_points=framework.published_points,
        bonus_cap=framework.bonus_cap,
        penalty_cap=framework.penalty_cap,
        excluded_sources_for_remediation=list(framework.excluded_sources_for_remediation or []),
        description=framework.description,
    )
    criteria = list(framework.criteria.select_related("parent").order_by("sort_key"))
    for position, c in enumerate(criteria, start=1):
        derived = c.code.rsplit(".", 1)[0] if "." in c.code else None
        parent_code = c.parent.code if c.parent_id else None
        data.criteria.append(
            CriterionData(
                code=c.code,
                # Written only when it differs from the one the code implies.
                parent_code=parent_code if parent_code != derived else None,
                title=c.title,
                max_points=c.max_points,
                method=c.method,
                params=dict(c.params or {}),
                source=c.source,
                allow_not_applicable=c.allow_not_applicable,
                rule_text=c.rule_text,
                evidence_text=c.evidence_text,
                lead_text=c.lead_text,
                coordinators_text=c.coordinators_text,
                order=position,
            )
        )
    for band in framework.bands.order_by("order", "-lower_bound"):
        data.bands.append(BandData(band.label, band.lower_bound, band.inclusive))
    return data


def export_bytes(framework, filename: str) -> bytes:
    suffix = Path(filename).suffix.lower()
    data = framework_to_data(framework)
    if suffix == ".xlsx":
        return write_xlsx(data)
    if suffix in (".yaml", ".yml"):
        return write_yaml(data).encode("utf-8")
    raise ValueError(_("Unsupported file type; use .xlsx or .yaml."))
