"""``parindex import_plan_tasks FILE --plan ID --user USERNAME``: add tasks to a plan from .xlsx.

Every row is checked first; on any error the row-level messages are printed and nothing is written.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from parindex.core.spreadsheets import SpreadsheetError
from parindex.plans.models import Plan
from parindex.plans.spreadsheets import import_tasks


class Command(BaseCommand):
    help = "Import the tasks of a reform plan from an .xlsx file (nothing is written if any row is wrong)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--plan", type=int, required=True, help="id of the plan")
        parser.add_argument(
            "--user", default="", help="username recorded in the audit log (must be allowed to edit the plan); "
            "default: the first superuser",
        )

    def handle(self, *args, **options):
        try:
            plan = Plan.objects.select_related("unit", "framework").get(pk=options["plan"])
        except Plan.DoesNotExist:
            raise CommandError(f"No plan with id {options['plan']}.")
        users = get_user_model().objects
        user = (users.filter(username=options["user"]) if options["user"] else users.filter(is_superuser=True)).first()
        if user is None:
            raise CommandError("No such user (give --user USERNAME of someone who may edit the plan).")
        try:
            with open(options["file"], "rb") as handle:
                created = import_tasks(plan, source=handle.read(), by=user)
        except FileNotFoundError:
            raise CommandError(f"File not found: {options['file']}")
        except PermissionDenied as exc:
            raise CommandError(str(exc))
        except SpreadsheetError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} problem(s); nothing was imported.")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} tasks imported into plan {plan.pk} ({plan.unit})."))
