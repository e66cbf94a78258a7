"""``parindex import_units FILE.xlsx``: create or update units from a spreadsheet (all or nothing)."""

from django.core.management.base import BaseCommand, CommandError

from parindex.core.spreadsheets import SpreadsheetError
from parindex.units.imports import import_units


class Command(BaseCommand):
    help = "Import units from an .xlsx file (layout: docs/units-and-accounts.md). Nothing is written if any row is wrong."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .xlsx file")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as handle:
                result = import_units(handle.read())
        except OSError as exc:
            raise CommandError(str(exc))
        except SpreadsheetError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} ✗ — {file}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
