"""``parindex export_framework ID FILE`` — write a framework as .xlsx or .yaml (by extension)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from parindex.frameworks.models import Framework
from parindex.frameworks.transfer import export_bytes


class Command(BaseCommand):
    help = "Export a criteria framework to .xlsx or .yaml (the same layout import_framework reads)."

    def add_arguments(self, parser):
        parser.add_argument("id", type=int)
        parser.add_argument("file")

    def handle(self, *args, id, file, **options):
        framework = Framework.objects.filter(pk=id).first()
        if framework is None:
            raise CommandError(_("No framework has the id %(id)s.") % {"id": id})
        path = Path(file)
        try:
            content = export_bytes(framework, path.name)
        except ValueError as exc:
            raise CommandError(str(exc))
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(_("Wrote %(path)s.") % {"path": path}))
