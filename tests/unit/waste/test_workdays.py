"""Working-day deadlines: receipt confirmation within 5 working days (转移办法 第十八条) and
paper backfill within 10 (第二十条), on China's official calendar, in Asia/Shanghai days.

Pinned years: the 2025 National Day + Mid-Autumn holiday (10-01 to 10-08 off, Sunday 09-28 and
Saturday 10-11 worked) and the 2026 Spring Festival (02-15 to 02-23 off, Saturdays 02-14 and
02-28 worked)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecociv.waste.rules.workdays import (
    CHINA_CALENDAR,
    PAPER_BACKFILL_WORKDAYS,
    RECEIPT_CONFIRMATION_WORKDAYS,
    CalendarRangeError,
    add_workdays,
    is_late,
    is_workday,
    local_date,
    paper_backfill_deadline,
    receipt_confirmation_deadline,
    workdays_between,
)


def beijing(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    """An instant given in Beijing time, as aware UTC."""
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


class MondayToFriday:
    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5


def test_the_deadlines_are_those_of_the_transfer_rules() -> None:
    assert RECEIPT_CONFIRMATION_WORKDAYS == 5
    assert PAPER_BACKFILL_WORKDAYS == 10


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        (date(2025, 9, 26), True),  # Friday
        (date(2025, 9, 27), False),  # Saturday
        (date(2025, 9, 28), True),  # Sunday, adjusted working day
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 6), False),  # Mid-Autumn, inside the holiday
        (date(2025, 10, 8), False),  # last day of the holiday
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, adjusted working day
        (date(2026, 2, 14), True),  # Saturday before the Spring Festival, worked
        (date(2026, 2, 17), False),  # Spring Festival
        (date(2026, 2, 23), False),  # last day off
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday after, worked
    ],
)
def test_holidays_and_adjusted_working_days_follow_the_official_calendar(
    day: date, worked: bool
) -> None:
    assert is_workday(day) is worked


def test_counting_starts_the_day_after_and_skips_the_national_day_holiday() -> None:
    assert add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_workdays(date(2025, 9, 30), 0) == date(2025, 9, 30)
    assert add_workdays(date(2025, 10, 9), -1) == date(2025, 9, 30)


def test_receipt_on_friday_before_national_day_counts_the_worked_sunday() -> None:
    # 09-28 (Sun, worked) 1, 09-29 2, 09-30 3, 10-09 4, 10-10 5
    assert receipt_confirmation_deadline(beijing(2025, 9, 26)) == date(2025, 10, 10)
    # on a plain Monday-to-Friday calendar the Sunday would not count
    assert receipt_confirmation_deadline(beijing(2025, 9, 26), MondayToFriday()) == date(
        2025, 10, 3
    )


def test_receipt_on_a_saturday_counts_from_the_next_working_day() -> None:
    assert receipt_confirmation_deadline(beijing(2025, 9, 27)) == date(2025, 10, 10)


def test_receipt_on_the_last_day_before_the_holiday_runs_past_it_and_counts_saturday_10_11() -> (
    None
):
    # 10-09 1, 10-10 2, 10-11 (Sat, worked) 3, 10-13 4, 10-14 5
    assert receipt_confirmation_deadline(beijing(2025, 9, 30)) == date(2025, 10, 14)


def test_the_day_of_receipt_is_the_beijing_day_not_the_utc_day() -> None:
    late_evening_utc = datetime(2025, 9, 25, 17, 0, tzinfo=UTC)  # 09-26 01:00 in Beijing
    assert local_date(late_evening_utc) == date(2025, 9, 26)
    assert receipt_confirmation_deadline(late_evening_utc) == date(2025, 10, 10)
    assert receipt_confirmation_deadline(datetime(2025, 9, 25, 15, 59, tzinfo=UTC)) == date(
        2025, 10, 9
    )


def test_paper_backfill_within_ten_working_days_across_national_day() -> None:
    # 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13, 10-14, 10-15, 10-16
    assert paper_backfill_deadline(beijing(2025, 9, 26)) == date(2025, 10, 16)


def test_receipt_deadline_across_the_2026_spring_festival() -> None:
    # 02-14 (Sat, worked) 1, 02-24 2, 02-25 3, 02-26 4, 02-27 5
    assert receipt_confirmation_deadline(beijing(2026, 2, 13)) == date(2026, 2, 27)


def test_paper_backfill_across_the_2026_spring_festival_counts_saturday_02_28() -> None:
    # 02-14, 02-24 … 02-27, 02-28 (Sat, worked), 03-02, 03-03, 03-04, 03-05
    assert paper_backfill_deadline(beijing(2026, 2, 13)) == date(2026, 3, 5)


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (beijing(2025, 10, 10, 23, 59), False),  # the deadline day is still in time
        (beijing(2025, 10, 11, 0, 0), True),  # the next Beijing day is late
        (beijing(2025, 10, 9, 12, 0), False),
    ],
)
def test_a_confirmation_is_late_only_after_the_deadline_day(at: datetime, late: bool) -> None:
    assert is_late(date(2025, 10, 10), at) is late


def test_workdays_between_counts_after_start_up_to_end() -> None:
    assert workdays_between(date(2025, 9, 26), date(2025, 10, 10)) == 5
    assert workdays_between(date(2025, 10, 10), date(2025, 9, 26)) == -5
    assert workdays_between(date(2025, 10, 1), date(2025, 10, 8)) == 0


@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 11, 30)),
    st.integers(min_value=0, max_value=15),
)
def test_workdays_between_inverts_add_workdays(start: date, n: int) -> None:
    assert workdays_between(start, add_workdays(start, n)) == n


def test_a_date_before_the_installed_table_is_refused_with_a_clear_error() -> None:
    first, last = CHINA_CALENDAR.years
    assert first <= 2025 < 2026 <= last
    before = date(first - 1, 6, 1)
    with pytest.raises(CalendarRangeError) as caught:
        is_workday(before)
    assert f"{first}–{last}" in caught.value.message
    assert before.isoformat() in caught.value.message
    assert "chinesecalendar" in caught.value.message


def test_a_year_after_the_table_keeps_weekends_and_the_fixed_statutory_holidays() -> None:
    """A delivery at the end of the last known year still gets its deadline (estimated)."""
    _first, last = CHINA_CALENDAR.years
    new_year = date(last + 1, 1, 1)
    assert not is_workday(new_year) and CHINA_CALENDAR.estimated(new_year)
    assert not CHINA_CALENDAR.estimated(date(last, 12, 31))
    for month, day in ((5, 1), (5, 2), (10, 1), (10, 2), (10, 3)):
        assert not is_workday(date(last + 1, month, day))
    monday = next(date(last + 1, 3, d) for d in range(1, 8) if date(last + 1, 3, d).weekday() == 0)
    assert is_workday(monday) and not is_workday(monday + timedelta(days=5))  # Saturday
    # five working days after 28 December of the last known year, across 1 January
    deadline = add_workdays(date(last, 12, 28), 5)
    assert deadline.year == last + 1
    assert workdays_between(date(last, 12, 28), deadline) == 5
