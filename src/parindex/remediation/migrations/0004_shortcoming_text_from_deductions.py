"""Issue 17, defect 3: Phụ lục II rows generated before the fix may state an approving remark of the
appraiser ("…; chấp nhận điểm tự chấm") as the shortcoming. A row whose text is still exactly an
appraisal remark of its leaf (generated, never edited by the unit) gets the text of the rule
(``remediation.logic.shortcoming_text``: the final appraisal's deduction reason, else the unit's own
note on a self-deducted leaf, else empty). A text the unit wrote itself is kept. Not reversible in
content (reversing does nothing).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from parindex.remediation.logic import Appraised, shortcoming_text

    Item = apps.get_model("remediation", "RemediationItem")
    Entry = apps.get_model("appraisals", "AppraisalEntry")
    Score = apps.get_model("assessments", "Score")
    LeafResult = apps.get_model("results", "LeafResult")
    items = Item.objects.filter(source="appendix", criterion__isnull=False, plan__round__isnull=False).exclude(
        shortcoming=""
    ).select_related("plan")
    for item in items.iterator():
        plan = item.plan
        entries = list(
            Entry.objects.filter(
                sheet__assessment__round_id=plan.round_id, sheet__assessment__unit_id=item.unit_id,
                criterion_id=item.criterion_id,
            ).values_list("round_number", "points", "reason")
        )
        remarks = {(reason or "").strip() for _n, _p, reason in entries} - {""}
        if item.shortcoming.strip() not in remarks:
            continue  # written by the unit: keep it
        leaf = LeafResult.objects.filter(result_id=plan.result_id, criterion_id=item.criterion_id).first()
        score = Score.objects.filter(
            assessment__round_id=plan.round_id, assessment__unit_id=item.unit_id, criterion_id=item.criterion_id
        ).first()
        self_points = leaf.self_points if leaf is not None else (score.self_points if score else None)
        text = shortcoming_text(
            entries=[Appraised(n, p, r or "") for n, p, r in entries],
            max_points=item.max_points if item.max_points is not None else (leaf.max_points if leaf else 0),
            self_points=self_points, unit_note=score.note if score else "",
        )
        if text != item.shortcoming:
            Item.objects.filter(pk=item.pk).update(shortcoming=text)


class Migration(migrations.Migration):
    dependencies = [
        ("remediation", "0003_renumber_shortcomings"),
        ("appraisals", "0001_initial"),
        ("assessments", "0001_initial"),
        ("results", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
