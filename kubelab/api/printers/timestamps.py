"""Ages as the AGE column shows them ("5m10s"), measured against the caller's `now`.

`now` is the API server's clock: virtual in a notebook (so a lesson prints the same AGE column
every run), real in `kubelab apiserver`. A missing timestamp shows as `<unknown>`, as
upstream's translateTimestampSince does.
"""
from __future__ import annotations

from kubelab.objects.timefmt import human_duration, parse


def since(timestamp: str | None, now: float) -> str:
    """How long ago `timestamp` was, as the AGE column shows it."""
    if not timestamp:
        return "<unknown>"
    return human_duration(now - parse(timestamp))
