"""Resource quantities in the canonical form kubectl prints them: `500m`, `128Mi`, `2`.

A quantity remembers which family of suffixes it was written in. Binary (`Ki`, `Mi`, ...)
prints with the largest binary suffix that divides it exactly (`1536Mi`, but `1500` for
1500 bytes, and values under 1024 fall back to decimal); decimal prints with the largest
power of 1000 that leaves a whole number (`1500m`, `2k`, `100M`). A sum takes the family of
its first non-zero term, as Go's Quantity.Add does. This is what `describe node` shows for
a pod's total requests.
"""
from __future__ import annotations

from fractions import Fraction

from kubelab.objects import quantity

_DECIMAL = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}
_BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def is_binary(text) -> bool:
    return isinstance(text, str) and text.strip().endswith("i")


def canonical(text) -> str:
    """A quantity as Kubernetes prints it back (`0.5` -> `500m`, `1024Mi` -> `1Gi`)."""
    try:
        return format_value(quantity.parse(text), is_binary(text))
    except (ValueError, ZeroDivisionError):
        return str(text)


def format_value(value: Fraction, binary: bool) -> str:
    if binary and abs(value) >= 1024 and value.denominator == 1:
        for suffix, unit in _BINARY:
            if value % unit == 0:
                return f"{value // unit}{suffix}"
        return str(value.numerator)
    # Round up to whole nano-units, then move to the largest power of 1000 that stays whole.
    mantissa = -((-value * 10**9) // 1)
    exponent = -9
    while mantissa != 0 and mantissa % 1000 == 0 and exponent < 18:
        mantissa //= 1000
        exponent += 3
    if mantissa == 0:
        return "0"
    return f"{mantissa}{_DECIMAL[exponent]}"


class Total:
    """A running sum of quantities that keeps the first non-zero term's suffix family."""

    def __init__(self) -> None:
        self.value = Fraction(0)
        self.binary = False

    def add(self, text) -> "Total":
        amount = quantity.parse(text)
        if self.value == 0:
            self.binary = is_binary(text)
        self.value += amount
        return self

    def max(self, other: "Total") -> "Total":
        return other if other.value > self.value else self

    def __str__(self) -> str:
        return format_value(self.value, self.binary)
