"""Working days (工作日) for the deadlines of the transfer rules.

China's working days are not Monday to Friday: the State Council publishes each year the public
holidays and the weekend days that are worked instead (调休). That table comes from the
``chinese_calendar`` module of the ``chinesecalendar`` package, which must be updated every year;
a date before the years it knows raises :class:`CalendarRangeError`. A date *after* them (the
State Council publishes next year's table late in the year; a delivery at the end of December
needs January's days) is judged by the rules that do not change from year to year: Saturdays
and Sundays off, and the fixed-date statutory holidays of 全国年节及纪念日放假办法 (2024 revision,
第二条: 元旦 1 January; 劳动节 1–2 May; 国庆节 1–3 October) off. Such a day is *estimated*: the
lunar holidays (春节, 清明, 端午, 中秋) and the worked weekend days (调休) are not known yet, so a
deadline may come out earlier than the official one (never later for a fixed-date holiday);
:attr:`ChinaCalendar.estimated` says whether a date was estimated. Update the package when the
new table is out.

Counting (民法典 第二百零一条: a period counted in days starts the day after the event, "开始
的当日不计入"): the deadline of "within N working days" is the N-th working day *after* the
local day of the event, and it ends with that day. Days are Asia/Shanghai local dates.

Deadlines implemented:

* receipt confirmation: 5 working days from the day of receipt (危险废物转移管理办法 第十八条);
* paper backfill: 10 working days after the transfer ended (第二十条).

A calendar is passed in (:class:`WorkCalendar`), so tests and services may substitute one; the
default is :data:`CHINA_CALENDAR`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final, Protocol

import chinese_calendar  # type: ignore[import-untyped]

from ecociv.kernel.clock import to_local
from ecociv.kernel.errors import ValidationError

#: 危险废物转移管理办法 第十八条: the receiver confirms receipt within five working days.
RECEIPT_CONFIRMATION_WORKDAYS: Final = 5
#: 危险废物转移管理办法 第二十条: a paper manifest is back-entered within ten working days.
PAPER_BACKFILL_WORKDAYS: Final = 10

_DAY = timedelta(days=1)
#: The fixed-date statutory holidays (全国年节及纪念日放假办法, 2024 revision, 第二条): 元旦,
#: 劳动节 (two days), 国庆节 (three days) — used for years the table does not cover yet.
FIXED_HOLIDAYS: Final = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


class CalendarRangeError(ValidationError):
    """A date outside the years the installed holiday table covers."""


class WorkCalendar(Protocol):
    """Anything that knows whether a local day is a working day."""

    def is_workday(self, day: date) -> bool: ...


class ChinaCalendar:
    """The official calendar of the ``chinesecalendar`` package: weekends off except adjusted
    working days, public holidays off."""

    @property
    def years(self) -> tuple[int, int]:
        """First and last year the installed table covers."""
        known = chinese_calendar.holidays.keys()
        return min(known).year, max(known).year

    def estimated(self, day: date) -> bool:
        """True for a day after the installed table (judged by the fixed rules only)."""
        return day.year > self.years[1]

    def is_workday(self, day: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            first, last = self.years
            if day.year > last:
                return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS
            raise CalendarRangeError(
                f"节假日数据只覆盖 {first}–{last} 年，无法判断 {day.isoformat()} 是否为工作日；"
                f"请更新 chinesecalendar 包 (the holiday table covers {first}-{last} only; "
                f"{day.isoformat()} is outside it: update the chinesecalendar package)",
                field="date",
            ) from None


#: The default calendar.
CHINA_CALENDAR: Final = ChinaCalendar()


def local_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar day of an instant (naive instants are read as UTC)."""
    return to_local(instant).date()


def is_workday(day: date, calendar: WorkCalendar = CHINA_CALENDAR) -> bool:
    """True on a working day.

    Examples:
        >>> is_workday(date(2025, 9, 28))  # a Sunday worked for the National Day holiday
        True
        >>> is_workday(date(2025, 10, 8))
        False
    """
    return calendar.is_workday(day)


def add_workdays(start: date, n: int, calendar: WorkCalendar = CHINA_CALENDAR) -> date:
    """The n-th working day after ``start`` (``start`` itself not counted); n = 0 gives
    ``start``, a negative n counts backwards.

    Examples:
        >>> add_workdays(date(2025, 9, 30), 1)  # 10-01 to 10-08 are the holiday
        datetime.date(2025, 10, 9)
    """
    step = _DAY if n >= 0 else -_DAY
    day = start
    remaining = abs(n)
    while remaining:
        day += step
        if calendar.is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: date, end: date, calendar: WorkCalendar = CHINA_CALENDAR) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is
    earlier. ``workdays_between(d, add_workdays(d, n)) == n``.

    Examples:
        >>> workdays_between(date(2025, 9, 30), date(2025, 10, 9))
        1
    """
    if end < start:
        return -workdays_between(end, start, calendar)
    count = 0
    day = start
    while day < end:
        day += _DAY
        count += calendar.is_workday(day)
    return count


def receipt_confirmation_deadline(
    received_at: datetime, calendar: WorkCalendar = CHINA_CALENDAR
) -> date:
    """The last day on which the receiver may confirm receipt: the fifth working day after the
    local day of receipt (转移办法 第十八条; 民法典 第二百零一条).

    Examples:
        >>> from datetime import UTC
        >>> receipt_confirmation_deadline(datetime(2025, 9, 26, 2, 0, tzinfo=UTC))
        datetime.date(2025, 10, 10)
    """
    return add_workdays(local_date(received_at), RECEIPT_CONFIRMATION_WORKDAYS, calendar)


def paper_backfill_deadline(
    transfer_ended_at: datetime, calendar: WorkCalendar = CHINA_CALENDAR
) -> date:
    """The last day to back-enter a paper manifest: the tenth working day after the local day
    the transfer ended (转移办法 第二十条)."""
    return add_workdays(local_date(transfer_ended_at), PAPER_BACKFILL_WORKDAYS, calendar)


def is_late(deadline_on: date, at: datetime) -> bool:
    """True when the local day of ``at`` is after the deadline day (the deadline day itself is
    still in time)."""
    return local_date(at) > deadline_on
