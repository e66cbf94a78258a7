"""Build the demo province: ``parindex seed_demo``.

The command runs the demo steps of each app in order (``DEMO_STEPS``); each step lives
in its app's ``demo.py`` and must be deterministic and idempotent.
"""

import logging
from importlib import import_module

from django.core.management.base import BaseCommand

DEMO_STEPS = [
    "parindex.units.demo",
    "parindex.frameworks.demo",
    "parindex.plans.demo",
    "parindex.assessments.demo",
    "parindex.surveys.demo",
    "parindex.results.demo",
    "parindex.remediation.demo",
    "parindex.requests.demo",
]


class Command(BaseCommand):
    help = "Load the deterministic demo province (units, users, frameworks, rounds) and print the logins."

    def handle(self, *args, **options):
        # The demo writes thousands of audit rows; keep their log lines off the console so the
        # printed logins stay readable (the rows themselves are still written to the database).
        audit_logger = logging.getLogger("parindex.audit")
        previous_level = audit_logger.level
        audit_logger.setLevel(logging.WARNING)
        try:
            self._run_steps()
        finally:
            audit_logger.setLevel(previous_level)

    def _run_steps(self):
        for module_name in DEMO_STEPS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    continue
                raise
            module.build(stdout=self.stdout, style=self.style)
