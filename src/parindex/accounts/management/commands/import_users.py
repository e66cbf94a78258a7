"""``parindex import_users FILE.xlsx``: create users and give them roles (all or nothing)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parindex.accounts.imports import import_users, passwords_workbook
from parindex.core.spreadsheets import SpreadsheetError


class Command(BaseCommand):
    help = (
        "Import users and roles from an .xlsx file (layout: docs/units-and-accounts.md). New users without a "
        "password get a one-time password, printed here or written to --passwords-out."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .xlsx file")
        parser.add_argument(
            "--passwords-out", help="write the generated passwords to this .xlsx instead of printing them"
        )

    def handle(self, *args, file, passwords_out=None, **options):
        try:
            with open(file, "rb") as handle:
                result = import_users(handle.read())
        except OSError as exc:
            raise CommandError(str(exc))
        except SpreadsheetError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} ✗ — {file}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
        generated = result.generated_passwords
        if generated and passwords_out:
            Path(passwords_out).write_bytes(passwords_workbook(result))
            Path(passwords_out).chmod(0o600)
            self.stdout.write(f"{len(generated)} → {passwords_out}")
        elif generated:
            width = max(len(username) for username, _name, _pw in generated)
            for username, _name, password in generated:
                self.stdout.write(f"  {username.ljust(width)}  {password}")
