"""Evidence files (tài liệu kiểm chứng): checking uploads, generated names, storage, ZIP export.

Uploads are checked by their content (libmagic and a look inside Office/ODF containers),
never by the extension the user's computer gave them:

* accepted: PDF, DOC/DOCX, XLS/XLSX, ODT/ODS, JPG/PNG;
* refused: anything else (executables renamed to .pdf included), files above
  ``settings.UPLOAD_MAX_MB``, archives that really unpack to an unreasonable size (zip
  bombs, measured while inflating, whatever the headers declare), Office files carrying
  macros (found by content: VBA compound files under any name, ``macroEnabled``/``vbaProject``
  types after XML decoding, VBA storages in old binary .doc/.xls, ODF ``Basic/`` scripts),
  documents linking to a remote template, and images or PDFs carrying web-page or script
  markup anywhere in the file. The checks are ``parindex.core.filecheck``'s, shared with
  the template upload and the spreadsheet imports.

A file is stored under a generated key ``evidence/<unit_id>/<year>/<uuid>`` with its
SHA-256; the name users see and download is generated from the province's template
(default ``<Tên đơn vị>-<mã tiêu chí>-<tên ngắn gọn>``, diacritics removed) and made unique
within the unit and year by a suffix ``-2``, ``-3``…
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core import filecheck
from parindex.core.text import safe_file_stem

DEFAULT_NAME_TEMPLATE = "{unit}-{code}-{short}"
REMEDIATION_PURPOSE = "KQ khac phuc ton tai {n}"

# Archives: how much they may really unpack to, and how compressed they may be.
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ARCHIVE_MEMBERS = 5000
ARCHIVE_LIMITS = filecheck.ArchiveLimits(MAX_UNPACKED_BYTES, MAX_COMPRESSION_RATIO, MAX_ARCHIVE_MEMBERS)

PDF = "application/pdf"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
JPEG = "image/jpeg"
PNG = "image/png"

EXTENSIONS = {
    PDF: "pdf",
    DOC: "doc",
    XLS: "xls",
    DOCX: "docx",
    XLSX: "xlsx",
    ODT: "odt",
    ODS: "ods",
    JPEG: "jpg",
    PNG: "png",
}
ACCEPTED_LABEL = "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG"

_OLE_MAGIC = filecheck.OLE_MAGIC
_OLE_TYPES = {
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-office",
    "application/cdfv2",
    "application/x-ole-storage",
    "application/CDFV2",
}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int
    sha256: str


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="evidence_file")


def _size_limit() -> int:
    return int(settings.UPLOAD_MAX_MB) * 1024 * 1024


def _hash_and_size(handle) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    handle.seek(0)
    while chunk := handle.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def _not_accepted() -> ValidationError:
    return _refuse(
        _("This file type is not accepted. Accepted types: %(types)s.") % {"types": ACCEPTED_LABEL}
    )


def _check_zip_container(handle) -> str:
    """The Office/ODF type of a zip container, or a ValidationError (bomb, macros, other zip).

    The archive's content is checked by ``core.filecheck.inspect_archive`` (real inflated
    sizes while streaming, macros by content, links to other computers).
    """
    try:
        report = filecheck.inspect_archive(handle, limits=ARCHIVE_LIMITS)
    except filecheck.FileRefused as refused:
        raise _refuse(refused.message)
    if report.mimetype:
        if report.mimetype in (ODT, ODS):
            return report.mimetype
        raise _not_accepted()
    if report.has_part("word/") and any("wordprocessingml.document.main" in t for t in report.content_types):
        return DOCX
    if report.has_part("xl/") and any("spreadsheetml.sheet.main" in t for t in report.content_types):
        return XLSX
    raise _not_accepted()


def _check_ole(handle, detected: str) -> str:
    """Old binary .doc/.xls: refuse VBA storages (by the file's directory); tell Word from Excel."""
    if filecheck.ole_has_macros(handle):
        raise _refuse(filecheck.macros().message)
    if filecheck.ole_has_package(handle):
        raise _refuse(filecheck.package().message)
    paths = filecheck.ole_streams(handle)
    if paths is not None:
        top = {path.lower() for path in paths}
        if "worddocument" in top:
            return DOC
        if "workbook" in top or "book" in top:
            return XLS
    if detected in (DOC, XLS):
        return detected
    handle.seek(0)
    data = handle.read()
    handle.seek(0)
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data:
        return XLS
    raise _not_accepted()


def check_upload(uploaded_file) -> CheckedFile:
    """Check an uploaded file by its content; raise ValidationError with a user-facing message."""
    import magic

    size = getattr(uploaded_file, "size", None)
    limit = _size_limit()
    if size is not None and size > limit:
        raise _refuse(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{size / 1048576:.1f}".replace(".", ","), "limit": settings.UPLOAD_MAX_MB}
        )
    handle = uploaded_file.file if hasattr(uploaded_file, "file") else uploaded_file
    sha256, real_size = _hash_and_size(handle)
    if real_size == 0:
        raise _refuse(_("The file is empty."))
    if real_size > limit:
        raise _refuse(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{real_size / 1048576:.1f}".replace(".", ","), "limit": settings.UPLOAD_MAX_MB}
        )
    head = handle.read(65536)
    handle.seek(0)
    detected = magic.from_buffer(head, mime=True) or ""
    if head.startswith(_OLE_MAGIC) or detected in _OLE_TYPES:
        content_type = _check_ole(handle, detected)
    elif head.startswith(b"PK\x03\x04"):
        # Any zip: only Office Open XML and ODF documents without macros get through.
        content_type = _check_zip_container(handle)
        handle.seek(0)
    elif detected == PDF and head.startswith(b"%PDF-"):
        content_type = PDF
    elif detected == JPEG and head.startswith(b"\xff\xd8\xff"):
        content_type = JPEG
    elif detected == PNG and head.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = PNG
    else:
        raise _refuse(
            _("This file type is not accepted. Accepted types: %(types)s.") % {"types": ACCEPTED_LABEL}
        )
    if content_type in (JPEG, PNG, PDF) and filecheck.find_active_content(handle):
        # An "HTML-in-PNG" (or in-PDF) polyglot passes every magic-number check: the whole
        # file is scanned, since markup can be appended after any amount of image data.
        raise _refuse(filecheck.active_content().message)
    return CheckedFile(
        content_type=content_type, extension=EXTENSIONS[content_type], size=real_size, sha256=sha256
    )


def clean_original_name(name: str) -> str:
    """The user's file name kept as metadata only: no directories, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:255]


# --- generated names ---------------------------------------------------------------------


def remediation_purpose(number: int) -> str:
    """The purpose part of a remediation result's name (seed 000): "KQ khac phuc ton tai 1"."""
    return REMEDIATION_PURPOSE.format(n=number)


def evidence_stem(unit, purpose_or_code: str, short_name: str, template: str | None = None) -> str:
    """The generated name without extension: "Xa Thach Chau-1.2.3-Bao cao CCHC quy 1"."""
    template = template or DEFAULT_NAME_TEMPLATE
    parts = {
        "unit": safe_file_stem(unit.name, max_length=80),
        "code": safe_file_stem(purpose_or_code, max_length=60),
        "short": safe_file_stem(short_name, max_length=80),
    }
    try:
        text = template.format(**parts)
    except (KeyError, IndexError, ValueError):
        text = DEFAULT_NAME_TEMPLATE.format(**parts)
    return safe_file_stem(text, max_length=200)


def evidence_filename(
    unit, purpose_or_code: str, short_name: str, ext: str, template: str | None = None
) -> str:
    """``<Tên đơn vị>-<mã tiêu chí or purpose>-<tên ngắn gọn>.<ext>`` without diacritics.

    ``evidence_filename(unit, remediation_purpose(1), "sang kien", "pdf")`` gives the
    remediation name of seed 000: "Xa Thach Chau-KQ khac phuc ton tai 1-sang kien.pdf".
    """
    stem = evidence_stem(unit, purpose_or_code, short_name, template)
    return f"{stem}.{ext}" if ext else stem


def unique_name(unit, year: int, stem: str, ext: str, *, taken: Iterable[str] | None = None) -> str:
    """``stem.ext`` or ``stem-2.ext``, ``stem-3.ext``… — the first not used in the unit and year."""
    from parindex.assessments.models import Evidence

    if taken is None:
        taken = Evidence.objects.filter(unit=unit, year=year, generated_name__startswith=stem).values_list(
            "generated_name", flat=True
        )
    used = {name.lower() for name in taken}
    suffix = f".{ext}" if ext else ""
    candidate = f"{stem}{suffix}"
    number = 1
    while candidate.lower() in used:
        number += 1
        candidate = f"{stem}-{number}{suffix}"
    return candidate


def storage_key(unit, year: int) -> str:
    return f"evidence/{unit.pk}/{year}/{uuid.uuid4().hex}"


def store_upload(
    *,
    unit,
    year: int,
    uploaded_file,
    short_name: str,
    purpose: str,
    by,
    name_template: str | None = None,
    doc_number: str = "",
    doc_date=None,
    issuer: str = "",
    page_ref: str = "",
):
    """Check, name and store an uploaded file; return the new ``Evidence`` row.

    No permission check here: callers (``actions.upload_evidence``, the remediation app)
    check who may add evidence for ``unit``. The file is written before the row; if the
    row cannot be written the file is deleted again.
    """
    from parindex.assessments.models import Evidence

    short_name = (short_name or "").strip()
    if not short_name:
        raise ValidationError(_("Give the document a short name."), code="short_name")
    checked = check_upload(uploaded_file)
    handle = uploaded_file.file if hasattr(uploaded_file, "file") else uploaded_file
    handle.seek(0)
    key = default_storage.save(storage_key(unit, year), File(handle))
    try:
        stem = evidence_stem(unit, purpose, short_name, name_template)
        for _attempt in range(5):
            name = unique_name(unit, year, stem, checked.extension)
            try:
                with transaction.atomic():
                    return Evidence.objects.create(
                        unit=unit,
                        year=year,
                        file=key,
                        generated_name=name,
                        original_name=clean_original_name(getattr(uploaded_file, "name", "")),
                        short_name=short_name[:120],
                        sha256=checked.sha256,
                        size=checked.size,
                        content_type=checked.content_type,
                        doc_number=doc_number,
                        doc_date=doc_date,
                        issuer=issuer,
                        page_ref=page_ref,
                        purpose=purpose[:120],
                        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
                        uploaded_at=timezone.now(),
                    )
            except IntegrityError:
                continue  # another upload took the same name in the meantime: try the next suffix
        raise ValidationError(_("Could not give the file a unique name; please try again."))
    except BaseException:
        default_storage.delete(key)
        raise


# --- the ZIP of a sheet ------------------------------------------------------------------


def write_sheet_zip(
    entries: list[dict],
    contents_xlsx: bytes,
    *,
    target: BinaryIO | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BinaryIO:
    """A ZIP of evidence files organised by criterion code, plus the contents list.

    ``entries``: dicts with ``folder`` (criterion code) and ``evidence``. Files are copied
    from storage in chunks, so a large sheet never sits whole in memory: into ``target``
    (an open binary file, e.g. a ``TemporaryFile`` of a background job), or else into a
    spooled temporary file (in memory up to 16 MB, then on disk). ``progress(done, total,
    name)`` is called after each file added. The file is returned open, at its start.
    """
    spool = target if target is not None else SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    total = len(entries)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("Muc luc tai lieu kiem chung.xlsx", contents_xlsx)
        for done, entry in enumerate(entries, start=1):
            evidence = entry["evidence"]
            folder = safe_file_stem(entry["folder"], max_length=40)
            arcname = f"{folder}/{evidence.generated_name}"
            with evidence.file.open("rb") as source, archive.open(arcname, "w", force_zip64=True) as out:
                while chunk := source.read(1024 * 1024):
                    out.write(chunk)
            if progress is not None:
                progress(done, total, arcname)
    spool.seek(0)
    return spool


def content_bytes(data: bytes, name: str = "upload"):
    """An in-memory uploaded file (for demo data and tests)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


__all__ = [
    "ACCEPTED_LABEL",
    "CheckedFile",
    "check_upload",
    "clean_original_name",
    "content_bytes",
    "evidence_filename",
    "evidence_stem",
    "remediation_purpose",
    "store_upload",
    "unique_name",
    "write_sheet_zip",
]
