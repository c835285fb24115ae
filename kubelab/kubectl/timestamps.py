"""Timestamps as kubectl shows them: an age ("5m10s") in tables, an RFC 1123 date in describe.

Ages are measured against the `now` the caller passes in (the cluster's virtual clock), never
the wall clock, so a lesson prints the same AGE column every run. A missing timestamp shows
as `<unknown>`, as upstream's translateTimestampSince does.

Real kubectl prints describe's dates in the local time zone of the machine it runs on;
kubelab prints them in UTC (`+0000`) so outputs do not depend on where a notebook runs.
"""
from __future__ import annotations

import time

from ..api.printers.timestamps import since  # the AGE column lives with the API server
from kubelab.objects.timefmt import parse

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc1123z(timestamp: str | None) -> str:
    """`Wed, 01 Jan 2025 00:00:05 +0000`, the layout describe uses (Go's time.RFC1123Z)."""
    if not timestamp:
        return "Mon, 01 Jan 0001 00:00:00 +0000"   # Go's zero time, as upstream prints it
    moment = time.gmtime(int(parse(timestamp)))
    return (f"{_DAYS[moment.tm_wday]}, {moment.tm_mday:02d} {_MONTHS[moment.tm_mon - 1]} "
            f"{moment.tm_year} {moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d} +0000")
