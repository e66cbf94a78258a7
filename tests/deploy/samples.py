"""Small real files for upload and storage tests (made here, never downloaded)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(text: str = "parindex") -> bytes:
    body = f"1 0 obj<</Type/Catalog>>endobj\n% {text}\n".encode()
    return b"%PDF-1.4\n" + body + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def png(width: int = 2, height: int = 2, trailer: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
        + trailer
    )


def ooxml(kind: str = "docx", *, macro: bool = False, bomb_bytes: int = 0) -> bytes:
    """A minimal Word/Excel container; ``macro`` adds vbaProject.bin, ``bomb_bytes`` a huge zero member."""
    main = {
        "docx": (
            "word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
        "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
        "xlsx": (
            "xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        ),
    }[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{main[0]}" ContentType="{main[1]}"/></Types>',
        )
        archive.writestr(main[0], "<?xml version='1.0'?><document/>")
        if macro:
            archive.writestr(main[0].split("/")[0] + "/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake vba")
        if bomb_bytes:
            with archive.open("xl/worksheets/sheet1.xml", "w") as member:
                block = b"\x00" * (1024 * 1024)
                for _ in range(bomb_bytes // len(block)):
                    member.write(block)
    return buffer.getvalue()


def windows_exe() -> bytes:
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00\x00")
    header += b"\x00" * (0x3C - len(header)) + struct.pack("<I", 0x80)
    header += b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200
    return bytes(header)
