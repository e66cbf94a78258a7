"""PDF of a generated .docx through LibreOffice headless (optional).

LibreOffice is not a Python dependency: install it on the server when units must post PDFs
(Debian/Ubuntu: ``apt-get install libreoffice-writer-nogui fonts-liberation2``; Liberation
Serif has the metrics of Times New Roman, so pages break where Word breaks them).
``to_pdf`` raises ``PdfUnavailable`` with a clear message when ``soffice`` is missing.

Each conversion runs in its own temporary directory with its own LibreOffice user profile,
so concurrent conversions (several workers) do not fight over one profile lock.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 120


class PdfUnavailable(RuntimeError):
    """LibreOffice (soffice) is not installed on this server."""


class PdfConversionError(RuntimeError):
    """LibreOffice ran but produced no PDF."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


def to_pdf(docx_bytes: bytes, *, timeout: int = TIMEOUT_SECONDS) -> bytes:
    """Convert .docx bytes to PDF bytes with LibreOffice headless."""
    binary = soffice_path()
    if binary is None:
        raise PdfUnavailable(
            _(
                "PDF output needs LibreOffice: install it on the server (soffice or libreoffice must be on PATH)."
            )
        )
    with tempfile.TemporaryDirectory(prefix="parindex-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        profile = (work / "profile").as_uri()
        command = [
            binary,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfConversionError(_("LibreOffice did not finish converting the document in time."))
        target = work / "document.pdf"
        if completed.returncode != 0 or not target.exists():
            detail = (completed.stderr or completed.stdout or b"").decode("utf-8", "replace")[-500:]
            raise PdfConversionError(
                _("LibreOffice could not convert the document: %(detail)s") % {"detail": detail}
            )
        return target.read_bytes()
