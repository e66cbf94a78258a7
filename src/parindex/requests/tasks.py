"""django-tasks tasks of the requests app (run by ``parindex worker``)."""

from django.conf import settings
from django.utils import translation
from django_tasks import task


@task()
def send_reminders() -> None:
    """Plan due reminders and deliver pending e-mails now (also runs every minute on schedule)."""
    from parindex.requests.reminders import send_due_reminders

    with translation.override(settings.LANGUAGE_CODE):
        send_due_reminders()
