"""Render every document kind with its sample data: .docx -> PDF (LibreOffice) -> PNG (pdftoppm).

``make docs-examples`` runs this into ``docs/examples/``. Fails clearly when LibreOffice or
pdftoppm is missing (unlike the tests, which skip).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parindex.documents.pdf import PdfUnavailable, to_pdf
from parindex.documents.samples import SAMPLES, render_sample


def _pages_to_show(pdf: Path, limit: int) -> list[int]:
    """Page 1, then the first appendix page ("Phụ lục") if there is one, else the following pages."""
    pdftotext = shutil.which("pdftotext")
    texts: list[str] = []
    if pdftotext:
        result = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True)
        texts = result.stdout.decode("utf-8", "replace").split("\f")
    count = len([t for t in texts if t.strip()]) or limit
    pages = [1]
    heading = re.compile(r"^Phụ lục( [IVX]+)?$")
    appendix = next(
        (
            i + 1
            for i, t in enumerate(texts)
            if i > 0 and any(heading.match(line.strip()) for line in t.splitlines()[:8])
        ),
        None,
    )
    if appendix:
        pages.append(appendix)
    pages += [n for n in range(2, count + 1) if n not in pages]
    return sorted(pages[:limit])


class Command(BaseCommand):
    help = "Render sample documents of every kind to PNG pages (needs LibreOffice and poppler-utils)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/examples", help="Output directory.")
        parser.add_argument("--pages", type=int, default=2, help="Pages per document (from the first).")
        parser.add_argument("--dpi", type=int, default=100)
        parser.add_argument("--kind", action="append", choices=sorted(SAMPLES), help="Only these kinds.")
        parser.add_argument("--keep-docx", action="store_true", help="Also write the .docx and .pdf files.")

    def handle(self, *args, out, pages, dpi, kind, keep_docx, **options):
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            raise CommandError("pdftoppm is not installed (Debian: apt-get install poppler-utils).")
        target = Path(out)
        target.mkdir(parents=True, exist_ok=True)
        for name in kind or sorted(SAMPLES):
            docx = render_sample(name)
            try:
                pdf = to_pdf(docx)
            except PdfUnavailable as exc:
                raise CommandError(
                    f"{exc} (Debian: apt-get install libreoffice-writer-nogui fonts-liberation2)"
                )
            for old in target.glob(f"{name}-*.png"):
                old.unlink()
            with tempfile.TemporaryDirectory() as tmp:
                source = Path(tmp) / f"{name}.pdf"
                source.write_bytes(pdf)
                for number in _pages_to_show(source, pages):
                    subprocess.run(
                        [
                            pdftoppm,
                            "-png",
                            "-r",
                            str(dpi),
                            "-f",
                            str(number),
                            "-l",
                            str(number),
                            "-singlefile",
                            str(source),
                            str(target / f"{name}-{number}"),
                        ],
                        check=True,
                    )
            if keep_docx:
                (target / f"{name}.docx").write_bytes(docx)
                (target / f"{name}.pdf").write_bytes(pdf)
            written = sorted(p.name for p in target.glob(f"{name}-*.png"))
            self.stdout.write(f"{name}: {', '.join(written)}")
