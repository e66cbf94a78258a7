"""Demo step: the shipped example frameworks, owned by the demo province.

Called by ``parindex seed_demo``. Idempotent: a framework with the same name and owner
unit is left as it is. Owner: the unit of kind province without a parent (the first by
code if there are several); without one the step does nothing.
"""

from __future__ import annotations

from pathlib import Path

from parindex.frameworks.actions import import_framework
from parindex.frameworks.models import Framework
from parindex.frameworks.transfer import read_file
from parindex.units.models import Unit

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
EXAMPLE_FILES = ("commune.yaml", "department_district.yaml")


def province():
    return Unit.objects.filter(kind=Unit.Kind.PROVINCE, parent__isnull=True).order_by("code").first()


def build(*, stdout, style) -> list[Framework]:
    owner = province()
    if owner is None:
        stdout.write(style.WARNING("frameworks: no province unit, example frameworks skipped"))
        return []
    frameworks = []
    for name in EXAMPLE_FILES:
        path = EXAMPLES_DIR / name
        data = read_file(path.read_bytes(), path.name)
        existing = Framework.objects.filter(owner_unit=owner, name=data.name).first()
        if existing is not None:
            frameworks.append(existing)
            continue
        framework = import_framework(data, owner_unit=owner, by=None, note=f"demo: {name}")
        stdout.write(style.SUCCESS(f"frameworks: {framework.name} ({framework.criteria.count()} criteria)"))
        frameworks.append(framework)
    return frameworks
