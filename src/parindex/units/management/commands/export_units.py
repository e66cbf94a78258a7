"""``parindex export_units FILE.xlsx``: every unit in the import layout; ``--example`` writes the template."""

from pathlib import Path

from django.core.management.base import BaseCommand

from parindex.units.imports import example_workbook, export_units
from parindex.units.models import Unit


class Command(BaseCommand):
    help = "Write all units to an .xlsx file in the layout import_units reads (or the example file with --example)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .xlsx file to write")
        parser.add_argument("--example", action="store_true", help="write the example/template file instead")

    def handle(self, *args, file, example, **options):
        content = example_workbook() if example else export_units(Unit.objects.all())
        Path(file).write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"{file}"))
