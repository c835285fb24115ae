"""Cron schedules, as a CronJob's spec.schedule reads them (robfig/cron v3's ParseStandard).

    "*/5 * * * *"      minute hour day-of-month month day-of-week
    "0 3 * * MON-FRI"  names for months (JAN-DEC) and weekdays (SUN-SAT); ? is *
    "@hourly"          @yearly @annually @monthly @weekly @daily @midnight @hourly

A schedule is five sets of allowed values. When both day fields are restricted, a day matches
if *either* does (cron's rule); when one is `*`, only the other counts. `next_time(schedule,
after, zone)` is the first minute strictly after `after` (seconds since the epoch) that
matches, read on the wall clock of `zone` (an IANA name; UTC when None), so a daily job in
America/New_York runs at local midnight across DST changes.

Parse errors carry robfig's words ("expected exactly 5 fields, found 1: [foo]"), which the
API server puts in its Invalid message. Left out: `@every <duration>` and seconds fields.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FIELDS = [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 6)]
MONTHS = {name: i + 1 for i, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
WEEKDAYS = {name: i for i, name in enumerate("sun mon tue wed thu fri sat".split())}
DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
               "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
SEARCH_DAYS = 366 * 5   # a schedule that matches no day in five years (Feb 30) never runs


class CronError(ValueError):
    """A schedule robfig/cron would refuse; str() is its message."""


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset
    hours: frozenset
    days: frozenset
    months: frozenset
    weekdays: frozenset
    days_star: bool
    weekdays_star: bool

    def day_matches(self, day: dt.date) -> bool:
        weekday = (day.weekday() + 1) % 7   # Python: Monday 0; cron: Sunday 0
        in_days, in_weekdays = day.day in self.days, weekday in self.weekdays
        if self.days_star or self.weekdays_star:
            return in_days and in_weekdays
        return in_days or in_weekdays


def _number(text: str, names: dict) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise CronError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _field(text: str, low: int, high: int, names: dict) -> tuple[frozenset, bool]:
    values: set[int] = set()
    star = False
    for part in text.split(","):
        range_text, _, step_text = part.partition("/")
        if part.count("/") > 1:
            raise CronError(f"too many slashes: {part}")
        if range_text in ("*", "?"):
            first, last, star = low, high, star or not step_text
        else:
            if range_text.count("-") > 1:
                raise CronError(f"too many hyphens: {range_text}")
            first_text, _, last_text = range_text.partition("-")
            first = _number(first_text, names)
            last = _number(last_text, names) if last_text else (high if step_text else first)
        step = _number(step_text, {}) if step_text else 1
        if first < low:
            raise CronError(f"beginning of range ({first}) below minimum ({low}): {part}")
        if last > high:
            raise CronError(f"end of range ({last}) above maximum ({high}): {part}")
        if first > last:
            raise CronError(f"beginning of range ({first}) beyond end of range ({last}): {part}")
        if step <= 0:
            raise CronError(f"step of range should be a positive number: {part}")
        values.update(range(first, last + 1, step))
    return frozenset(values), star


def parse(text: str) -> Schedule:
    """A Schedule from spec.schedule, or CronError in robfig's words."""
    text = text.strip()
    if not text:
        raise CronError("empty spec string")
    if text.startswith("@"):
        if text not in DESCRIPTORS:
            raise CronError(f"unrecognized descriptor: {text}")
        text = DESCRIPTORS[text]
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    names = [{}, {}, {}, MONTHS, WEEKDAYS]
    parsed = [_field(field, low, high, names[i]) for i, (field, (_, low, high)) in enumerate(zip(fields, FIELDS))]
    return Schedule(parsed[0][0], parsed[1][0], parsed[2][0], parsed[3][0], parsed[4][0], parsed[2][1], parsed[4][1])


def zone(name: str | None) -> dt.tzinfo:
    """The IANA zone, or UTC; ZoneInfoNotFoundError as "unknown time zone NAME"."""
    if not name:
        return dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name}") from None


def next_time(schedule: Schedule, after: float, tz: dt.tzinfo = dt.timezone.utc) -> float | None:
    """The first matching minute strictly after `after`, as seconds since the epoch (None: never)."""
    start = dt.datetime.fromtimestamp(after, tz).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    day = start.date()
    for _ in range(SEARCH_DAYS):
        if day.month in schedule.months and schedule.day_matches(day):
            for hour in sorted(schedule.hours):
                for minute in sorted(schedule.minutes):
                    moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                    if moment.timestamp() > after:
                        return moment.timestamp()
        day += dt.timedelta(days=1)
    return None
