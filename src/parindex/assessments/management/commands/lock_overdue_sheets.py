from django.core.management.base import BaseCommand

from parindex.assessments.actions import lock_overdue


class Command(BaseCommand):
    help = "Lock every draft score sheet whose self-assessment deadline has passed (also run by the worker)."

    def handle(self, *args, **options):
        count = lock_overdue()
        self.stdout.write(self.style.SUCCESS(f"{count} score sheet(s) locked."))
