"""The index % is stored to 16 places (issue 17: display rounds once, from the exact value).

Existing rows are refined where the exact value is known: a row whose stored 4-place index equals
100 × total / max rounded to 4 places (every computed, uncapped result) gets that exact quotient. Capped
or floored values and imported indexes that do not follow from the stored totals stay as they were.
The published figures themselves do not change: only digits below the fourth place are added.
"""

from decimal import Decimal

from django.db import migrations, models

Q4 = Decimal("0.0001")
Q_INDEX = Decimal("1e-16")


def refine(apps, schema_editor):
    UnitResult = apps.get_model("results", "UnitResult")
    changed = []
    rows = UnitResult.objects.filter(index_percent__isnull=False, max_points__gt=0).only(
        "pk", "index_percent", "total", "max_points"
    )
    for row in rows.iterator(chunk_size=2000):
        exact = Decimal(100) * row.total / row.max_points
        if exact.quantize(Q4) == row.index_percent.quantize(Q4):
            row.index_percent = exact.quantize(Q_INDEX)
            changed.append(row)
        if len(changed) >= 2000:
            UnitResult.objects.bulk_update(changed, ["index_percent"])
            changed = []
    if changed:
        UnitResult.objects.bulk_update(changed, ["index_percent"])


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unitresult",
            name="index_percent",
            field=models.DecimalField(
                blank=True, decimal_places=16, max_digits=24, null=True, verbose_name="index (%)"
            ),
        ),
        migrations.RunPython(refine, migrations.RunPython.noop),
    ]
