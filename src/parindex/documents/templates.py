"""Finding and validating replacement templates.

Decision (issue 9): a province replaces the *base document*, not the wording. The uploaded
.docx gives the page margins, the default font of the "Normal" style and its own
header/footer content (e.g. a logo or a "DỰ THẢO" mark); the generators clear its body and
write the content in the Nghị định 30 layout. So every province produces the same legal
wording, a bad template cannot drop a required part (number, signature, "Nơi nhận"), and no
template language (Jinja in Word XML) has to be debugged by officials. A template is
accepted only if it is a real Word .docx (not .docm, no macros, no ActiveX, no embedded
executables), A4 with margins within the decree's ranges, and every sample of its kind
renders with it and opens again.
"""

from __future__ import annotations

import io
import zipfile

from django.utils.translation import gettext as _

from parindex.core import filecheck

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAIN_DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Margins allowed by Nghị định 30/2020 (mm): top/bottom 20–25, left 30–35, right 15–20.
MARGIN_RANGES_MM = {
    "top_margin": (20, 25),
    "bottom_margin": (20, 25),
    "left_margin": (30, 35),
    "right_margin": (15, 20),
}
ARCHIVE_LIMITS = filecheck.ArchiveLimits(MAX_UNCOMPRESSED_BYTES, 100)
_FORBIDDEN_PARTS = ("vbaproject.bin", "vbadata.xml", "activex", ".exe", ".dll", ".bat", ".js", "oleobject")


class TemplateError(ValueError):
    """The uploaded template was refused; ``messages`` lists every reason (translated)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(" ".join(messages))


def check_docx(data: bytes) -> None:
    """Raise TemplateError unless ``data`` is a macro-free Word .docx, A4, with decree margins."""
    if not data:
        raise TemplateError([_("The file is empty.")])
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError([_("The template is larger than 5 MB.")])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateError([_("This is not a Word .docx file.")])
    # The content checks every upload gets (core.filecheck): real inflated sizes while
    # streaming, macros by content (VBA compound files under any name, entity-written
    # content types), links to remote templates or objects.
    try:
        report = filecheck.inspect_archive(io.BytesIO(data), limits=ARCHIVE_LIMITS)
    except filecheck.FileRefused as refused:
        message = {
            "macro": _("Files with macros are not accepted."),
            "damaged": _("This is not a Word .docx file."),
        }.get(refused.code, refused.message)
        raise TemplateError([message])
    names = [n.lower() for n in report.names]
    if "word/document.xml" not in names or MAIN_DOCUMENT_TYPE.lower() not in report.content_types:
        raise TemplateError([_("This is not a Word .docx file.")])
    # Stricter than evidence: a template is copied into every official document, so it
    # carries no ActiveX controls, embedded objects or programs at all.
    if any(part in name for name in names for part in _FORBIDDEN_PARTS) or any(
        "activex" in t or "oleobject" in t for t in report.content_types
    ):
        raise TemplateError([_("Files with macros are not accepted.")])
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 — python-docx raises many types for broken files
        raise TemplateError([_("The document could not be read; it may be damaged.")])
    errors: list[str] = []
    if len(document.sections) == 0:
        # No <w:sectPr>: Word falls back to its own defaults (Letter in many installs), so the
        # one thing a template is for — the page and its margins — is missing. Refused with
        # the way to fix it rather than guessed (issue 24).
        raise TemplateError(
            [
                _(
                    "The template has no page setup: open it in Word, set the page to A4 with the "
                    "Decree 30/2020 margins (Layout → Margins) and save it again."
                )
            ]
        )
    section = document.sections[0]
    width_mm, height_mm = (
        round((section.page_width or 0) / 36000),
        round((section.page_height or 0) / 36000),
    )
    if sorted((width_mm, height_mm)) != [210, 297]:
        errors.append(_("The page size must be A4 (210 × 297 mm)."))
    labels = {
        "top_margin": _("top margin"),
        "bottom_margin": _("bottom margin"),
        "left_margin": _("left margin"),
        "right_margin": _("right margin"),
    }
    for attr, (low, high) in MARGIN_RANGES_MM.items():
        value = getattr(section, attr)
        millimetres = round((value or 0) / 36000)
        if not low <= millimetres <= high:
            errors.append(
                _("The %(margin)s is %(value)s mm; Decree 30/2020 requires %(low)s–%(high)s mm.")
                % {"margin": labels[attr], "value": millimetres, "low": low, "high": high}
            )
    if errors:
        raise TemplateError(errors)


def validate_template(kind: str, data: bytes) -> None:
    """Everything ``check_docx`` checks, plus: the sample of ``kind`` renders and opens again."""
    check_docx(data)
    from docx import Document

    from parindex.documents.samples import render_sample

    try:
        rendered = render_sample(kind, template=data)
        Document(io.BytesIO(rendered))
    except Exception:  # noqa: BLE001 — any failure means the template cannot be used
        raise TemplateError([_("The sample document could not be produced with this template.")])


def builtin_template(kind: str) -> bytes:
    """The built-in layout of ``kind`` with its sample content: what a province starts editing from."""
    from parindex.documents.samples import render_sample

    return render_sample(kind)


def active_template_bytes(kind: str, unit_id: int) -> bytes | None:
    """The active template of ``kind`` for the unit or its nearest ancestor; None = built-in."""
    from parindex.documents.models import DocumentTemplate
    from parindex.units.models import Unit

    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    if not path:
        return None
    ids = [int(part) for part in path.strip("/").split("/") if part]
    template = (
        DocumentTemplate.objects.filter(kind=kind, is_active=True, owner_unit_id__in=ids)
        .order_by("-owner_unit__depth")
        .first()
    )
    if template is None:
        return None
    with template.file.open("rb") as handle:
        return handle.read()
