"""Resource quantities ("250m" cpu, "128Mi" memory) as Kubernetes parses and prints them.

Invariant: parsing is exact (Fractions), then rounded up the way Kubernetes does: cpu to whole
millicores (`MilliValue`), everything else to whole units (`Value`). Real Kubernetes keeps the
original text and a canonical form; kubelab keeps the text in objects and computes with ints.
"""
from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

_SUFFIXES = {
    "": Fraction(1),
    "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9),
    "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18),
    "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30),
    "Ti": Fraction(2**40), "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$")


_MAX_EXPONENT = 40


class QuantityError(ValueError):
    """Raised with upstream's message for a string that is not a quantity."""


def parse(text: str | int | float) -> Fraction:
    """A quantity string -> its exact value ("250m" -> 1/4, "1Ki" -> 1024)."""
    if isinstance(text, (int, float)):
        return Fraction(text)
    return _parse_text(str(text))


@functools.lru_cache(maxsize=4096)  # a cluster repeats a few dozen quantities ("100m", "128Mi") millions of times
def _parse_text(text: str) -> Fraction:
    match = _QUANTITY.match(text.strip())
    if not match or match.group(1) in (".", "+", "-", ""):
        raise QuantityError("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    number = Fraction(match.group(1))
    if match.group(2):
        # An exponent past +-40 is clamped: 10**999999999 would take the process hours to
        # compute, and every use of a quantity that large or small saturates anyway (upstream's
        # Value() and MilliValue() saturate at the int64 limits).
        exponent = max(-_MAX_EXPONENT, min(_MAX_EXPONENT, int(match.group(2)[1:])))
        return number * Fraction(10) ** exponent
    return number * _SUFFIXES[match.group(3) or ""]


def is_valid(text) -> bool:
    try:
        parse(text)
        return True
    except (QuantityError, ValueError, ZeroDivisionError):
        return False


def milli(text: str | int | float) -> int:
    """A cpu quantity in millicores, rounded up ("0.1" -> 100, "1" -> 1000)."""
    return math.ceil(parse(text) * 1000)


def value(text: str | int | float) -> int:
    """A quantity in whole units, rounded up ("128Mi" -> 134217728)."""
    return math.ceil(parse(text))


def format_milli_cpu(millicores: int) -> str:
    """Millicores as kubectl prints cpu: "1500m", or "2" when whole."""
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def format_bytes(amount: int) -> str:
    """Bytes in the largest binary suffix that divides them exactly ("128Mi", "1Gi")."""
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = int(_SUFFIXES[suffix])
        if amount and amount % unit == 0:
            return f"{amount // unit}{suffix}"
    return str(amount)
