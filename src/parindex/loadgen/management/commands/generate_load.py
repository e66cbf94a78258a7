"""``parindex generate_load``: deterministic national-scale load data (see parindex.loadgen.generator)."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from parindex.loadgen.generator import Spec, generate


class Command(BaseCommand):
    help = (
        "Generate deterministic load data (units, users, frameworks, sheets, appraisals, results, evidence)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provinces", type=int, default=1)
        parser.add_argument("--communes-per-province", type=int, default=100)
        parser.add_argument("--departments-per-province", type=int, default=20)
        parser.add_argument("--years", type=int, default=2, help="Years of data; the last one is open.")
        parser.add_argument("--last-year", type=int, default=None, help="Default: this year.")
        parser.add_argument("--evidence", type=int, default=2, help="Evidence files per unit and year.")
        parser.add_argument(
            "--heavy-evidence",
            type=int,
            default=20,
            help="Files on the first commune's open sheet (ZIP benchmark).",
        )
        parser.add_argument("--heavy-file-kb", type=int, default=1024)
        parser.add_argument(
            "--no-national", action="store_true", help="No ministry round over every commune."
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opts):
        spec = Spec(
            provinces=opts["provinces"],
            communes_per_province=opts["communes_per_province"],
            departments_per_province=opts["departments_per_province"],
            years=opts["years"],
            last_year=opts["last_year"],
            evidence=opts["evidence"],
            heavy_evidence=opts["heavy_evidence"],
            heavy_file_kb=opts["heavy_file_kb"],
            national=not opts["no_national"],
            seed=opts["seed"],
        )
        started = time.perf_counter()
        try:
            report = generate(spec, log=lambda line: self.stdout.write(line))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for name, n in report.counts.items():
            self.stdout.write(f"{name}: {n}")
        for name, seconds in report.seconds.items():
            self.stdout.write(f"time {name}: {seconds:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"generated in {time.perf_counter() - started:.1f} s"))
