"""How every screen and SMS says a wait estimate (`WaitEstimate.said`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from visitflow_events import WaitEstimate, said_bounds_s, said_minutes


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, 5), (100, 5), (7 * 60, 5), (8 * 60, 10), (12 * 60, 10), (13 * 60, 15), (41 * 60, 40)],
)
def test_a_sure_wait_is_said_to_the_nearest_five_minutes_and_never_under_five(
    seconds: int, said: int
) -> None:
    assert WaitEstimate(expected_s=seconds, low_s=seconds, high_s=seconds).said() == (said, None)


@pytest.mark.parametrize(
    ("low_min", "expected_min", "high_min", "said"),
    [
        (10, 15, 21, (10, 20)),  # spans ten minutes or more: a range
        (11, 15, 19, (15, None)),  # less: about so many
        (0, 4, 9, (5, None)),
        (0, 6, 12, (0, 10)),  # may be called at once, or in ten minutes
        (31, 52, 73, (30, 75)),
    ],
)
def test_an_unsure_wait_is_said_as_a_range(
    low_min: int, expected_min: int, high_min: int, said: tuple[int, int | None]
) -> None:
    estimate = WaitEstimate(expected_s=expected_min * 60, low_s=low_min * 60, high_s=high_min * 60)

    assert estimate.said() == said


@given(st.integers(min_value=0, max_value=10 * 3600), st.integers(min_value=0, max_value=10 * 3600))
def test_said_minutes_is_the_rule_an_estimate_is_said_by(low: int, span: int) -> None:
    expected, high = low + span // 2, low + span

    assert (
        said_minutes(expected, low, high) == WaitEstimate(expected_s=expected, low_s=low, high_s=high).said()
    )


@pytest.mark.parametrize(
    ("expected_min", "low_min", "high_min", "held", "not_held"),
    [
        (1, 1, 1, (0, 7), (8,)),  # "about 5 min": any shorter wait holds too
        (20, 17, 23, (17.5, 18, 22, 22.5), (17.4, 23)),  # "about 20 min": 17.5 to 22.5, both included
        (52, 31, 73, (28, 77), (27, 78)),  # "30-75 min": 27.5 to 77.5
        (6, 0, 12, (0, 12), (13,)),  # "0-10 min"
    ],
)
def test_what_a_visitor_was_told_holds_within_the_figure_or_range_said_give_or_take_the_rounding(
    expected_min: int, low_min: int, high_min: int, held: tuple[float, ...], not_held: tuple[float, ...]
) -> None:
    first, last = said_bounds_s(expected_min * 60, low_min * 60, high_min * 60)

    assert all(first <= minutes * 60 <= last for minutes in held)
    assert not any(first <= minutes * 60 <= last for minutes in not_held)
