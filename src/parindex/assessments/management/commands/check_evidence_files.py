"""Check evidence storage against the database: every file present, sizes and (optionally) SHA-256
matching, and no stray files under ``evidence/`` that no row points to."""

import hashlib

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from parindex.assessments.models import Evidence


def _walk(storage, path: str):
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from _walk(storage, f"{path}/{directory}" if path else directory)


class Command(BaseCommand):
    help = "Check that every evidence file exists in storage (with --hash: and matches its SHA-256)."

    def add_arguments(self, parser):
        parser.add_argument("--hash", action="store_true", help="Read every file and compare its SHA-256.")

    def handle(self, *args, **options):
        problems: list[str] = []
        known: set[str] = set()
        rows = Evidence.objects.exclude(file="").only("pk", "file", "size", "sha256", "generated_name")
        for evidence in rows.iterator():
            name = evidence.file.name
            known.add(name)
            if not default_storage.exists(name):
                problems.append(f"missing file: evidence {evidence.pk} ({evidence.generated_name}) -> {name}")
                continue
            if default_storage.size(name) != evidence.size:
                problems.append(f"size differs: evidence {evidence.pk} -> {name}")
            if options["hash"]:
                digest = hashlib.sha256()
                with default_storage.open(name, "rb") as handle:
                    while chunk := handle.read(1024 * 1024):
                        digest.update(chunk)
                if digest.hexdigest() != evidence.sha256:
                    problems.append(f"SHA-256 differs: evidence {evidence.pk} -> {name}")
        try:
            stray = [name for name in _walk(default_storage, "evidence") if name not in known]
        except FileNotFoundError:
            stray = []
        problems.extend(f"stray file (no evidence row): {name}" for name in stray)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in evidence storage.")
        self.stdout.write(self.style.SUCCESS(f"{len(known)} evidence file(s) checked, no problem."))
