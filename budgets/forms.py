"""The web import's form, one for the budgets pages and the admin's "Cost imports → add"."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from budgets.models import CostImport

MAX_FILES = 50  # files of one run (Django refuses more than DATA_UPLOAD_MAX_NUMBER_FILES, 100, anyway)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pattern of Django's documentation), at least one."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        given = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not given:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(given) > MAX_FILES:
            raise ValidationError(f"at most {MAX_FILES} files in one import", code="max_files")
        return [super(MultipleFileField, self).clean(f, initial) for f in given]


class CostImportForm(forms.ModelForm):
    """One run: several files (every part of a month together), the format, the rejected rows
    tolerated — what ``import_costs PATH … --format … --max-rejected N`` takes."""

    files = MultipleFileField(
        label="Files",
        help_text="FOCUS 1.0–1.3 or AWS CUR 2.0: CSV, CSV.gz or Parquet. Choose every part of a month "
        "together: the files of one import replace each billing period they cover, in one transaction.",
    )

    class Meta:
        model = CostImport
        fields = ["files", "format", "max_rejected"]
        labels = {"max_rejected": "Rejected rows tolerated"}
        help_texts = {
            "max_rejected": "0: any rejected row fails the import and changes nothing (--max-rejected N).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].required = False  # not given: detected from the columns

    def clean_format(self) -> str:
        return self.cleaned_data.get("format") or CostImport.Format.AUTO
