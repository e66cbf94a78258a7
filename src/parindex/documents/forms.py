from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.documents.models import DocumentKind
from parindex.documents.templates import MAX_TEMPLATE_BYTES


class TemplateUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=DocumentKind.choices)
    owner_unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label=None)
    file = forms.FileField(label=_("Template (.docx)"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units
        for name in ("kind", "owner_unit"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs["class"] = "form-control"
        self.fields["file"].widget.attrs["accept"] = (
            ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_TEMPLATE_BYTES:
            raise forms.ValidationError(_("The template is larger than 5 MB."))
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("Upload a Word .docx file."))
        return upload
