"""Timestamps as Kubernetes writes them: RFC 3339 in UTC, whole seconds ("2025-01-01T00:00:05Z").

The clock hands out float seconds; only this module turns them into text, so every
`creationTimestamp`, condition and event time is formatted one way.
"""
from __future__ import annotations

import calendar
import time


_LAST_RFC3339: tuple[int, str] = (-1, "")   # the last second formatted: on virtual time most stamps repeat it


def rfc3339(seconds: float) -> str:
    """Seconds since the epoch -> "YYYY-MM-DDTHH:MM:SSZ"."""
    global _LAST_RFC3339
    whole = int(seconds)
    last = _LAST_RFC3339
    if last[0] == whole:
        return last[1]
    text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(whole))
    _LAST_RFC3339 = (whole, text)
    return text


def rfc3339_micro(seconds: float) -> str:
    """MicroTime, as Events' eventTime and Leases' renewTime use."""
    whole = int(seconds)
    micros = int(round((seconds - whole) * 1_000_000))
    if micros == 1_000_000:
        whole, micros = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micros:06d}Z"


def parse(text: str) -> float:
    """RFC 3339 text (with or without fractional seconds) -> seconds since the epoch."""
    text = text.rstrip("Z")
    fraction = 0.0
    if "." in text:
        text, frac = text.split(".", 1)
        fraction = float("0." + frac)
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%S")) + fraction


def human_duration(seconds: float) -> str:
    """kubectl's AGE column (k8s.io/apimachinery/pkg/util/duration.HumanDuration)."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        rest = days % 365
        return f"{days // 365}y{rest}d" if rest else f"{days // 365}y"
    return f"{hours // 24 // 365}y"
