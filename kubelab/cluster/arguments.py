"""Arguments a learner passes to `Cluster(...)`, `run`, `settle` and `requests`, checked first.

A wrong argument must fail at once, in one line that names it — not as a hang (`nodes=10**9`,
`run(float("inf"))`), not as a traceback from deep inside a component (`nodes="3"`), and not
silently (`run(-5)` doing nothing). TypeError for the wrong kind of value, ValueError for a
value out of range; both name the call and the argument:

    ValueError: Cluster(nodes=-1): nodes must be between 0 and 5000
    TypeError: run(seconds='10'): seconds must be a number of seconds, not a string
"""
from __future__ import annotations

import math

from ..objects import quantity

MAX_NODES = 5000   # the node count every address plan supports (DESIGN.md)
_KINDS = {str: "a string", int: "a whole number", float: "a fractional number", bool: "True or False", list: "a list",
          tuple: "a tuple", dict: "a dict", type(None): "None"}


def kind_of(value) -> str:
    """What a value is, in words a learner reads ("a string"), not Python's type name ("str")."""
    return _KINDS.get(type(value), f"a {type(value).__name__} object")


def whole_number(call: str, name: str, value, low: int, high: int | None = None) -> int:
    """`value` as an int in [low, high]; TypeError/ValueError naming `call` and `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{call}({name}={value!r}): {name} must be a whole number, not {kind_of(value)}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{call}({name}={value!r}): {name} must be {bound}")
    return value


def seconds(call: str, name: str, value, allow_zero: bool = True) -> float:
    """A finite number of seconds, not negative (and not zero unless allowed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{call}({name}={value!r}): {name} must be a number of seconds, "
                        f"not {kind_of(value)}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "a finite number, at least 0" if allow_zero else "a finite number greater than 0"
        raise ValueError(f"{call}({name}={value!r}): {name} must be {bound}")
    return value


def text(call: str, name: str, value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{call}({name}={value!r}): {name} must be a string, not {kind_of(value)}")
    return value


def choice(call: str, name: str, value, choices: tuple[str, ...]) -> str:
    """One of a few words."""
    if value not in choices:
        raise ValueError(f"{call}({name}={value!r}): {name} must be one of " + ", ".join(map(repr, choices)))
    return value


def positive_quantity(call: str, name: str, value) -> str:
    """A resource quantity ("2", "4Gi", 2) greater than zero."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"{call}({name}={value!r}): {name} must be a quantity like \"2\" or \"4Gi\", "
                        f"not {kind_of(value)}")
    if not quantity.is_valid(value):
        raise ValueError(f"{call}({name}={value!r}): {name} must be a quantity like \"2\" or \"4Gi\"")
    if quantity.parse(value) <= 0:
        raise ValueError(f"{call}({name}={value!r}): {name} must be greater than 0")
    return value


def cluster(nodes, seed, node_cpu, node_memory, max_pods, compaction_interval) -> None:
    """Check `Cluster(...)`'s arguments before anything is built."""
    whole_number("Cluster", "nodes", nodes, 0, MAX_NODES)
    whole_number("Cluster", "seed", seed, -(2 ** 63))
    positive_quantity("Cluster", "node_cpu", node_cpu)
    positive_quantity("Cluster", "node_memory", node_memory)
    whole_number("Cluster", "max_pods", max_pods, 1, 1_000_000)
    seconds("Cluster", "compaction_interval", compaction_interval)
