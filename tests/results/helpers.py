"""Appraise and publish a round in a few lines (for results tests)."""

from __future__ import annotations

from parindex.appraisals import actions as appraisal
from parindex.results import actions


def appraise_all(rnd, appraiser):
    for sheet in rnd.assessments.select_related("unit"):
        s = appraisal.start_appraisal(assessment=sheet, by=appraiser)
        appraisal.complete_round(sheet=s, by=appraiser)


def publish(rnd, manager, *, grouping="kind"):
    import datetime as dt

    pub = actions.compute_results(round=rnd, by=manager, grouping=grouping)
    pub = actions.approve_results(
        publication=pub, by=manager, decision_number="12/QĐ-UBND", decision_date=dt.date(2025, 2, 1)
    )
    return actions.publish_results(publication=pub, by=manager)
