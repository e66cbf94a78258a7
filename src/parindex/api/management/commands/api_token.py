"""``parindex api_token USERNAME --name NAME [--days N]``: make a personal API token and print it.

For operators and scripts (the fuzz run of ``make api-fuzz``); users make their own on
/api/tokens/. The secret is printed once and never stored. A user whose role requires
two-step login gets no token here: they make it themselves after logging in with a code.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from parindex.api.actions import TWO_FACTOR_REQUIRED, create_token


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, username, name, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            _token, secret = create_token(user=user, name=name, expires_in_days=days)
        except ValidationError as exc:
            if exc.code == TWO_FACTOR_REQUIRED:
                raise CommandError(
                    f"{username} must use two-step login (role); they make their own token on "
                    "/api/tokens/ after logging in with a code."
                )
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(secret)
