from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

XLSX_SIGNATURE = b"PK\x03\x04"  # an .xlsx is a zip archive


def check_spreadsheet_upload(upload) -> None:
    """The checks an uploaded .xlsx passes before an import is queued: size, extension, and
    the zip signature. The content itself is checked by the import (``read_table``)."""
    if upload.size > settings.UPLOAD_MAX_MB * 1024 * 1024:
        raise forms.ValidationError(
            _("The file is larger than %(limit)d MB.") % {"limit": settings.UPLOAD_MAX_MB}
        )
    upload.seek(0)
    head = upload.read(len(XLSX_SIGNATURE))
    upload.seek(0)
    if Path(upload.name or "").suffix.lower() != ".xlsx" or head != XLSX_SIGNATURE:
        raise forms.ValidationError(_("This is not an Excel .xlsx file."))


class SpreadsheetFileField(forms.FileField):
    """A file field that accepts only an .xlsx within the upload limit (see ``check_spreadsheet_upload``)."""

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if data:
            check_spreadsheet_upload(data)
        return data


class SpreadsheetUploadForm(forms.Form):
    """One .xlsx file; its content is checked by ``core.spreadsheets.read_table``."""

    file = SpreadsheetFileField(label=_("Excel file (.xlsx)"))
