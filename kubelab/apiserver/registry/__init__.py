"""The registry: one strategy per served kind (strategy.py), gathered under the kind's plural.

Upstream gives every kind a *strategy* (pkg/registry/<group>/<kind>/strategy.go):
PrepareForCreate, PrepareForUpdate, Validate, ValidateUpdate, status, deletion, printing.
Here each kind's file in this package makes its `Strategy` at module level (strategy.py says
what it answers; `STRATEGY = WidgetStrategy()`, or several, as rbac.py's four kinds; a class
with a `plural` and no instance is made here), and the registry collects each under its plural — the key of its row in the resource
table (api/resources.py). So a new kind touches its own file and its row, nothing else. The
API server's generic path asks `strategy_for(plural)` its questions, never a kind by name;
a kind with no file gets the generic `Strategy`.
"""
from __future__ import annotations

import importlib
import pkgutil

from .strategy import FunctionStrategy, Strategy

__all__ = ["FunctionStrategy", "STRATEGIES", "Strategy", "register", "strategy_for"]

STRATEGIES: dict[str, Strategy] = {}


def register(strategy: Strategy) -> Strategy:
    """Serve a kind's rules under its plural."""
    STRATEGIES[strategy.plural] = strategy
    return strategy


_GENERIC: dict[str, Strategy] = {}   # plural -> the generic strategy of a kind with no file (Events): made once


def strategy_for(plural: str) -> Strategy:
    """The strategy of a built-in kind; the generic one for a kind with no rules of its own."""
    found = STRATEGIES.get(plural) or _GENERIC.get(plural)
    if found is None:
        found = _GENERIC[plural] = Strategy(plural)
    return found


def _collect() -> None:
    """Import every module of this package (sorted, so the order is the same each run) and
    register each Strategy it makes at module level; a Strategy class it defines with a
    `plural` and no instance is registered as `Class()`."""
    classes = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            candidates = value if isinstance(value, (list, tuple)) else [value]
            for candidate in candidates:
                if isinstance(candidate, Strategy) and candidate.plural:
                    register(candidate)
                elif isinstance(candidate, type) and issubclass(candidate, Strategy) and \
                        candidate.__module__ == module.__name__ and candidate.plural:
                    classes.append(candidate)
    for cls in classes:
        if cls.plural not in STRATEGIES:
            register(cls())


_collect()
