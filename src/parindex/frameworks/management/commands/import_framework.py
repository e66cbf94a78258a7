"""``parindex import_framework FILE [--owner-unit CODE]`` — create a framework from .xlsx or .yaml.

Every problem is printed with its row and the command exits with status 1; nothing is
written unless the whole file is valid. Without ``--owner-unit`` the framework belongs to
the province (the only unit of kind province without a parent). The command acts as the
system (``by=None``; the audit log says "system").
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from parindex.core.spreadsheets import SpreadsheetError
from parindex.frameworks.actions import import_framework
from parindex.frameworks.transfer import read_file
from parindex.units.models import Unit


class Command(BaseCommand):
    help = "Import a criteria framework from a .xlsx or .yaml file (layout in docs/frameworks.md)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--owner-unit", dest="owner_unit", help="Code of the issuing unit (default: the province)."
        )

    def handle(self, *args, file, owner_unit=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        if owner_unit:
            unit = Unit.objects.filter(code=owner_unit).first()
            if unit is None:
                raise CommandError(_("No unit has the code %(code)s.") % {"code": owner_unit})
        else:
            provinces = list(Unit.objects.filter(kind=Unit.Kind.PROVINCE, parent__isnull=True)[:2])
            if len(provinces) != 1:
                raise CommandError(_("Give the issuing unit with --owner-unit CODE."))
            unit = provinces[0]
        try:
            data = read_file(path.read_bytes(), path.name)
            framework = import_framework(data, owner_unit=unit, by=None, note=path.name)
        except SpreadsheetError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)s error(s); nothing was imported.") % {"count": len(exc.errors)}, returncode=1
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported framework #%(id)s “%(name)s” with %(count)s criteria.")
                % {"id": framework.pk, "name": framework.name, "count": framework.criteria.count()}
            )
        )
