from django.core.management.base import BaseCommand, CommandError

from parindex.core.spreadsheets import SpreadsheetError


class Command(BaseCommand):
    help = "Import published results of past years from .xlsx (per unit totals; optional sheet 'Chi tiết' per area/leaf)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--framework", type=int, help="id of the framework the results were scored on (bands, ties)"
        )

    def handle(self, *args, **options):
        from parindex.frameworks.models import Framework
        from parindex.results.history import import_results

        framework = None
        if options["framework"]:
            framework = Framework.objects.filter(pk=options["framework"]).first()
            if framework is None:
                raise CommandError(f"There is no framework with id {options['framework']}.")
        try:
            counts = import_results(options["file"], framework=framework)
        except SpreadsheetError as exc:
            raise CommandError("\n" + "\n".join(str(e) for e in exc.errors))
        except OSError as exc:
            raise CommandError(str(exc))
        for year, n in counts.items():
            self.stdout.write(self.style.SUCCESS(f"{year}: {n}"))
