"""Content checks of uploaded files, shared by every upload (issue 24, finding 3).

One checker, used by the evidence uploads (pages and API, also through plans, appraisals,
remediation and request reports), the document template upload and every spreadsheet
import. It looks at what a file *is*, never at its name or at what its headers claim:

* **Archives** (``inspect_archive``; Office Open XML and ODF are zip files): every member is
  inflated while it is read, in blocks, counting the bytes that really come out; reading
  stops as soon as the archive passes its absolute cap or its compression-ratio cap
  (``ArchiveLimits``), so a member whose headers declare 1,000 bytes and which inflates to
  1 GiB is stopped after the cap and costs no more. Sizes, CRCs and compressed lengths must
  match the headers (a crafted archive that lies is refused as damaged); encrypted members
  and compression methods Office never uses are refused; embedded archives (a workbook
  inside a document) are checked the same way within the same budget.
* **Macros by content**: any member that is an OLE2 compound file (signature
  ``D0 CF 11 E0``), whatever its name, is opened with ``olefile`` and refused if it holds a
  VBA project (``VBA``/``_VBA_PROJECT``/``Macros`` storages) or is an object package
  (``\\x01Ole10Native``, how executables and scripts ride inside documents; refused with
  its own message — an embedded Excel sheet or equation is not a package and passes);
  ``[Content_Types].xml`` and every ``.rels`` part are parsed as XML (``defusedxml``: a DTD or entity declaration is
  refused), so content types and relationship types are compared *after* character
  references are decoded (``vba&#80;roject``): ``macroEnabled``, ``vbaProject``,
  ``vbaData``, macro sheets. ODF ``Basic/`` and ``Scripts/`` libraries are refused too.
* **Links to other computers**: a relationship of type ``attachedTemplate`` or
  ``oleObject`` with ``TargetMode="External"`` (remote template injection) is refused.
* **Markup in images and PDF** (``find_active_content``): the whole file is scanned in
  blocks — not only its head — for HTML, SVG or script markup (``<script``, ``<html``,
  ``<svg``, a tag with an ``on…=`` handler, ``javascript:``…). Real photos, scans and PDFs
  do not contain these; the patterns need a tag shape, so compressed image data does not
  match by chance.

Decisions: ``oletools`` (olevba) was considered; its package pulls a large tree
(msoffcrypto-tool, cryptography, pyparsing…) for analysis we do not need — refusing any VBA
project is enough, we never need to decompile one — so the checks use ``olefile`` (the
OLE2 parser oletools is built on, same author) and ``defusedxml``. A file a check cannot
read is refused, never waved through.

Callers catch ``FileRefused`` (``message`` is translated, ``code`` names the reason:
``damaged``, ``bomb``, ``macro``, ``package``, ``linked``, ``active_content``) and raise their own error type.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile

from django.utils.translation import gettext as _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
BLOCK = 256 * 1024
# XML parts read whole to look at content and relationship types; Office writes a few KB.
MAX_XML_PART = 8 * 1024 * 1024
# An embedded archive (a workbook inside a document) may hold another; not deeper.
MAX_NESTING = 2


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may unpack to: in total, and compared with its own size."""

    max_unpacked_bytes: int
    max_ratio: int
    max_members: int = 5000


class FileRefused(Exception):
    """An uploaded file refused by a content check."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def damaged() -> FileRefused:
    return FileRefused("damaged", _("The file is damaged or is not a document of an accepted type."))


def bomb() -> FileRefused:
    return FileRefused("bomb", _("The file unpacks to an unreasonable size and was refused."))


def macros() -> FileRefused:
    return FileRefused("macro", _("Office files with macros are not accepted. Save the file without macros."))


def linked() -> FileRefused:
    return FileRefused(
        "linked",
        _("The document links to a template or an object on another computer and was refused."),
    )


def package() -> FileRefused:
    return FileRefused(
        "package",
        _(
            "The document carries an embedded file or program (an object package) and was refused. "
            "Upload the embedded file separately."
        ),
    )


# --- OLE2 compound files (.doc, .xls, vbaProject.bin, embedded objects) ------------------------

# Storage and stream names (lowercase) that hold macros.
_OLE_MACRO_NAMES = frozenset({"vba", "_vba_project", "_vba_project_cur", "macros"})
# The stream of an "object package": any file (a program, a script) wrapped inside a document.
_OLE_PACKAGE_NAMES = frozenset({"\x01ole10native"})
# Fallback when olefile cannot parse the file: the same names as the directory stores them.
_OLE_MACRO_MARKERS = tuple(
    name.encode("utf-16-le") + b"\x00\x00" for name in ("_VBA_PROJECT", "_VBA_PROJECT_CUR")
)


def ole_streams(handle) -> list[str] | None:
    """Every storage and stream path ("Macros/VBA/dir") of a compound file; None if unreadable."""
    import olefile

    handle.seek(0)
    try:
        with olefile.OleFileIO(handle) as ole:
            return ["/".join(path) for path in ole.listdir(streams=True, storages=True)]
    except Exception:  # noqa: BLE001 — olefile raises many types for broken files
        return None
    finally:
        handle.seek(0)


def ole_has_package(handle) -> bool:
    """Whether a compound file wraps an embedded file or program (``\\x01Ole10Native``)."""
    paths = ole_streams(handle) or []
    return any(part.lower() in _OLE_PACKAGE_NAMES for path in paths for part in path.split("/"))


def ole_has_macros(handle) -> bool:
    """Whether a compound file carries a VBA project, by its directory."""
    paths = ole_streams(handle)
    if paths is not None:
        return any(part.lower() in _OLE_MACRO_NAMES for path in paths for part in path.split("/"))
    # Not parseable (Office may still repair and open it): look for the directory names.
    handle.seek(0)
    tail = b""
    try:
        while chunk := handle.read(BLOCK):
            window = tail + chunk
            if any(marker in window for marker in _OLE_MACRO_MARKERS):
                return True
            tail = window[-64:]
        return False
    finally:
        handle.seek(0)


# --- Archives -------------------------------------------------------------------------------

_MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "vbadata", "macrosheet")
_MACRO_RELATIONSHIPS = ("/vbaproject", "/wordvbadata", "/xlmacrosheet", "/xlintlmacrosheet")
_EXTERNAL_FORBIDDEN = ("/attachedtemplate", "/oleobject")
_XML_PARTS = frozenset({"[content_types].xml", "meta-inf/manifest.xml", "mimetype"})


@dataclass
class ArchiveReport:
    """What ``inspect_archive`` found in a zip that passed every check."""

    names: list[str] = field(default_factory=list)
    unpacked_bytes: int = 0
    content_types: list[str] = field(default_factory=list)  # lowercase, entities decoded
    mimetype: str = ""  # the ODF "mimetype" member

    def has_part(self, prefix: str) -> bool:
        return any(name.lower().startswith(prefix) for name in self.names)


class _Budget:
    """Real unpacked bytes of an archive and its embedded archives, against the caps."""

    def __init__(self, limits: ArchiveLimits, archive_size: int):
        self.cap = min(limits.max_unpacked_bytes, limits.max_ratio * max(archive_size, 1024))
        self.used = 0

    def take(self, count: int) -> None:
        self.used += count
        if self.used > self.cap:
            raise bomb()


def _size_of(handle) -> int:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def _member_blocks(handle, info: zipfile.ZipInfo, budget: _Budget):
    """Yield a member's real content in blocks, counting it against the budget as it comes.

    The member is inflated from its raw bytes (not through ``ZipFile.open``, which stops at
    the size the headers declare); reading stops at the cap. At the end, the compressed
    length, the size and the CRC must be the ones the central directory declares.
    """
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise damaged()
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) != 30 or local[:4] != ZIP_MAGIC:
        raise damaged()
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    crc = 0
    produced = 0
    if info.compress_type == zipfile.ZIP_STORED:
        left = info.compress_size
        while left > 0:
            data = handle.read(min(BLOCK, left))
            if not data:
                raise damaged()
            left -= len(data)
            budget.take(len(data))
            produced += len(data)
            crc = zlib.crc32(data, crc)
            yield data
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        consumed = 0
        while not inflater.eof:
            raw = handle.read(BLOCK)
            if not raw:
                raise damaged()  # the deflate stream never ends
            consumed += len(raw)
            pending = raw
            while pending and not inflater.eof:
                try:
                    data = inflater.decompress(pending, BLOCK)
                except zlib.error:
                    raise damaged()
                pending = inflater.unconsumed_tail
                if data:
                    budget.take(len(data))
                    produced += len(data)
                    crc = zlib.crc32(data, crc)
                    yield data
        consumed -= len(inflater.unused_data)
        if consumed != info.compress_size:
            raise damaged()
    if produced != info.file_size or (crc & 0xFFFFFFFF) != info.CRC:
        raise damaged()


def _xml_root(data: bytes):
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        return fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError):
        raise damaged()


def _attributes(root, name: str) -> list[str]:
    return [
        value
        for element in root.iter()
        for key, value in element.attrib.items()
        if key.split("}")[-1] == name
    ]


def inspect_archive(
    handle, *, limits: ArchiveLimits, _budget: _Budget | None = None, _depth: int = 0
) -> ArchiveReport:
    """Check a zip archive's content (see the module docstring); raise ``FileRefused``."""
    budget = _budget or _Budget(limits, _size_of(handle))
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise damaged()
    if len(infos) > limits.max_members:
        raise bomb()
    report = ArchiveReport(names=[info.filename for info in infos])
    for info in infos:
        lowered = info.filename.lower()
        if lowered.endswith(("vbaproject.bin", "vbadata.xml")) or lowered.startswith(("basic/", "scripts/")):
            raise macros()
        collect_xml = lowered in _XML_PARTS or lowered.endswith(".rels")
        xml = bytearray()
        first = b""  # the first bytes, to recognise an embedded compound file or archive
        spool = None
        try:
            for block in _member_blocks(handle, info, budget):
                if len(first) < 8:
                    first += block
                    if len(first) < 8:
                        continue
                    block, first = first, first[:8]
                    if first.startswith((OLE_MAGIC, ZIP_MAGIC)):
                        spool = SpooledTemporaryFile(max_size=16 * 1024 * 1024)
                if spool is not None:
                    spool.write(block)
                if collect_xml:
                    if len(xml) + len(block) > MAX_XML_PART:
                        raise damaged()
                    xml += block
            if len(first) < 8:
                xml += first  # a member shorter than 8 bytes
            if spool is not None:
                spool.seek(0)
                if first.startswith(OLE_MAGIC):
                    if ole_has_macros(spool):
                        raise macros()
                    if ole_has_package(spool):
                        raise package()
                else:
                    if _depth >= MAX_NESTING:
                        raise damaged()
                    inspect_archive(spool, limits=limits, _budget=budget, _depth=_depth + 1)
        finally:
            if spool is not None:
                spool.close()
        if not collect_xml:
            continue
        if lowered == "mimetype":
            report.mimetype = bytes(xml[:200]).decode("ascii", "replace").strip()
            continue
        root = _xml_root(bytes(xml))
        if lowered == "[content_types].xml":
            report.content_types = [value.lower() for value in _attributes(root, "ContentType")]
            if any(marker in value for value in report.content_types for marker in _MACRO_CONTENT_TYPES):
                raise macros()
        elif lowered == "meta-inf/manifest.xml":
            types = [value.lower() for value in _attributes(root, "media-type")]
            if any("basic" in value or "script" in value for value in types):
                raise macros()
        else:  # a .rels part
            for element in root.iter():
                kind = (element.attrib.get("Type") or "").lower()
                if kind.endswith(_MACRO_RELATIONSHIPS):
                    raise macros()
                external = (element.attrib.get("TargetMode") or "").lower() == "external"
                if external and kind.endswith(_EXTERNAL_FORBIDDEN):
                    raise linked()
    report.unpacked_bytes = budget.used
    handle.seek(0)
    return report


# --- Markup inside images and PDF --------------------------------------------------------------

# Markup that turns an image or a PDF into an HTML/SVG/script polyglot if a browser ever
# sniffed it as a page. Tag names count only when a delimiter follows ("<svg " or "<svg>",
# not "<svgX"), an event handler only inside an open tag, so compressed image data does not
# match by chance. The patterns run on lowercased blocks without case-folding and have
# bounded repetitions: ~0,1 s for 20 MB of image data, linear even on crafted input.
_TAG = re.compile(
    rb"<(?:script|html|body|head|iframe|frame|frameset|object|embed|applet|svg|math|form|base|meta|link"
    rb"|style|img|video|audio|source|input|details|marquee)[ \t\r\n\f/>]"
)
_HANDLER = re.compile(rb"<[a-z][a-z0-9]{0,15}[ \t\r\n\f/][^<>]{0,512}?\bon[a-z]{3,30}[ \t\r\n\f]*=")
_PLAIN_MARKERS = (b"<!doctype html", b"<?php", b"javascript:", b"vbscript:", b"<?xml-stylesheet")
_OVERLAP = 1024


def _has_markup(low: bytes) -> bool:
    return any(marker in low for marker in _PLAIN_MARKERS) or bool(_TAG.search(low) or _HANDLER.search(low))


def find_active_content(handle, *, block: int = 1024 * 1024) -> bool:
    """Whether a file carries HTML/SVG/script markup anywhere (read in blocks, then rewound)."""
    handle.seek(0)
    tail = b""
    try:
        while chunk := handle.read(block):
            window = tail + chunk.lower()
            if _has_markup(window):
                return True
            tail = window[-_OVERLAP:]
        return False
    finally:
        handle.seek(0)


def active_content() -> FileRefused:
    return FileRefused("active_content", _("The file contains web page or script code and was refused."))
