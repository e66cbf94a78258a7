from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Delete the respondents' personal data (contact, position, list reference; links stop working) of "
        "surveys closed longer ago than their retention setting. Answers stay, anonymous. Run daily (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list the surveys that are due.")

    def handle(self, *args, **options):
        from parindex.surveys.actions import due_for_purge, purge_personal_data

        for survey in due_for_purge():
            if options["dry_run"]:
                self.stdout.write(f"{survey.pk}\t{survey.name}")
                continue
            count = purge_personal_data(survey=survey, by=None)
            self.stdout.write(self.style.SUCCESS(f"{survey.pk}\t{survey.name}\t{count}"))
