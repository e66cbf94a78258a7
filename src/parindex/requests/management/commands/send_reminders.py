"""``parindex send_reminders``: plan due reminders and send pending e-mails once (the worker does it every minute)."""

from django.core.management.base import BaseCommand

from parindex.requests.reminders import deliver_pending_emails, plan_reminders


class Command(BaseCommand):
    help = "Send the reminders that are due now and retry pending e-mails (safe to run any time)."

    def handle(self, *args, **options):
        steps = plan_reminders()
        sent, failed = deliver_pending_emails()
        self.stdout.write(f"reminder steps: {steps}; e-mails sent: {sent}; failed attempts: {failed}")
