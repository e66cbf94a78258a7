import pytest

from tests.assessments.factories import make_framework, open_test_round


@pytest.fixture
def framework(tree):
    return make_framework(tree["P"])


@pytest.fixture
def round_a(framework, tree, district_manager_a):
    """Round 1 of 2023 opened by the district manager of DA over its communes A1 and A2."""
    return open_test_round(framework, district_manager_a, tree["DA"])


@pytest.fixture
def sheet_a1(round_a, tree):
    return round_a.assessments.get(unit=tree["A1"])


@pytest.fixture
def sheet_a2(round_a, tree):
    return round_a.assessments.get(unit=tree["A2"])
