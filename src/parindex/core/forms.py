from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class SpreadsheetUploadForm(forms.Form):
    """One .xlsx file; its content is checked by ``core.spreadsheets.read_table``."""

    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": settings.UPLOAD_MAX_MB}
            )
        return upload
