"""Issue 17, defect 5: existing shortcomings get the numbers of the new rule, and the evidence named
after an old number is renamed.

* Inspection findings of a unit and year are renumbered 1, 2, … in the order of the conclusions
  (inspection date, then the order they were recorded in), so the conclusion's "tồn tại 1" is
  "Tồn tại 1" again instead of coming after the unit's Phụ lục II rows.
* Phụ lục II rows are renumbered 1, 2, … (their STT) in their existing order.
* Evidence of a result whose generated name used the old "KQ khac phuc ton tai <old>" is renamed to
  the new purpose ("ton tai <new>" for a finding, "tieu chi <code>" for a Phụ lục II row); only the
  generated name (metadata) changes, never the stored file. A name already taken in the unit and year
  gets "-2", "-3", … as at upload.

Reversing leaves the numbers as they are (they are valid under both constraints' meaning).
"""

from django.db import migrations

OFFSET = 1_000_000


def _new_purpose(item) -> str:
    if item.source == "inspection" or not item.code:
        return f"KQ khac phuc ton tai {item.number}"
    return f"KQ khac phuc tieu chi {item.code}"


def _unique(name: str, taken: set[str]) -> str:
    if name.lower() not in taken:
        return name
    dot = name.rfind(".")
    stem, ext = (name[:dot], name[dot:]) if dot > 0 else (name, "")
    n = 2
    while f"{stem}-{n}{ext}".lower() in taken:
        n += 1
    return f"{stem}-{n}{ext}"


def forwards(apps, schema_editor):
    from parindex.core.text import safe_file_stem

    Item = apps.get_model("remediation", "RemediationItem")
    Evidence = apps.get_model("assessments", "Evidence")
    old_numbers = dict(Item.objects.values_list("pk", "number"))
    groups: dict[tuple, list] = {}
    for item in Item.objects.select_related("inspection").order_by("pk"):
        groups.setdefault((item.unit_id, item.year, item.source), []).append(item)
    changed = []
    for (_unit, _year, source), items in groups.items():
        if source == "inspection":
            items.sort(key=lambda i: (i.inspection.inspected_on, i.inspection_id, i.finding_number or 0, i.pk))
        else:
            items.sort(key=lambda i: (i.number, i.pk))
        for position, item in enumerate(items, start=1):
            if item.number != position:
                item.number = position
                changed.append(item)
    # Two steps so that no intermediate state breaks the unique constraint.
    for item in changed:
        Item.objects.filter(pk=item.pk).update(number=item.number + OFFSET)
    for item in changed:
        Item.objects.filter(pk=item.pk).update(number=item.number)

    through = Item.evidence.through
    links = list(through.objects.values_list("remediationitem_id", "evidence_id"))
    if not links:
        return
    items = {i.pk: i for i in Item.objects.filter(pk__in={a for a, _b in links}).select_related("unit")}
    for item_id, evidence_id in links:
        item = items[item_id]
        evidence = Evidence.objects.filter(pk=evidence_id).first()
        if evidence is None or not evidence.generated_name:
            continue
        prefix = f"{safe_file_stem(item.unit.name, max_length=80)}-"
        old = f"{prefix}KQ khac phuc ton tai {old_numbers[item.pk]}-"
        new = f"{prefix}{safe_file_stem(_new_purpose(item), max_length=60)}-"
        if not evidence.generated_name.startswith(old) or old == new:
            continue
        taken = {
            n.lower()
            for n in Evidence.objects.filter(unit_id=evidence.unit_id, year=evidence.year)
            .exclude(pk=evidence.pk)
            .values_list("generated_name", flat=True)
        }
        evidence.generated_name = _unique(new + evidence.generated_name[len(old):], taken)
        evidence.save(update_fields=["generated_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("remediation", "0002_shortcoming_numbers_per_source"),
        ("assessments", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
