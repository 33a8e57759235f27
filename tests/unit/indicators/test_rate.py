"""A city rate is Σnumerator/Σdenominator of its counties (issue 3)."""

from __future__ import annotations

import pytest

from ecociv.indicators.rules import rate
from ecociv.kernel import ValidationError


def test_a_city_rate_is_the_sum_of_numerators_over_the_sum_of_denominators() -> None:
    # County A: 50 of 100 (50 %); county B: 1 of 10 (10 %).
    # City rate = (50 + 1)/(100 + 10) × 100 = 51/110 × 100 = 46.36 %,
    # not the mean of the percentages (50 + 10)/2 = 30 %.
    city = rate([50, 1], [100, 10])
    assert city == pytest.approx(51 / 110 * 100)
    assert city == pytest.approx(46.3636, abs=1e-4)
    mean_of_percentages = (50 / 100 * 100 + 1 / 10 * 100) / 2
    assert mean_of_percentages == 30.0
    assert city != pytest.approx(mean_of_percentages)


def test_a_rate_skips_incomplete_pairs_and_is_none_without_a_denominator() -> None:
    assert rate([50, None, 3], [100, 40, None]) == 50.0  # only the first pair is complete
    assert rate([1.0], [4.0], factor=1000) == 250.0
    assert rate([None], [None]) is None
    assert rate([0, 0], [0, 0]) is None
    with pytest.raises(ValidationError):
        rate([1, 2], [3])
