from django.core.management.base import BaseCommand, CommandError

from parindex.core.spreadsheets import SpreadsheetError


class Command(BaseCommand):
    help = "Import survey results (SIPAS / ĐTXHH) of a round from .xlsx: unit code, criterion code, score %."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--round", type=int, required=True, dest="round_id")

    def handle(self, *args, **options):
        from parindex.appraisals.actions import import_survey
        from parindex.assessments.models import Round

        round_ = Round.objects.filter(pk=options["round_id"]).select_related("framework").first()
        if round_ is None:
            raise CommandError(f"There is no round with id {options['round_id']}.")
        try:
            with open(options["file"], "rb") as handle:
                count = import_survey(round=round_, source=handle.read(), by=None)
        except SpreadsheetError as exc:
            raise CommandError("\n" + "\n".join(str(e) for e in exc.errors))
        except OSError as exc:
            raise CommandError(str(exc))
        self.stdout.write(self.style.SUCCESS(f"{count}"))
