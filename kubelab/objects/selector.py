"""Label and field selectors: kubectl's string syntax and the LabelSelector object.

    "app=nginx,tier!=cache,env in (prod,staging),!canary,release"

A selector is parsed once into a list of requirements (key, operator, values), then matched
against a labels dict. An empty selector matches everything; a LabelSelector with neither
matchLabels nor matchExpressions also matches everything (a nil selector matches nothing, as in
Kubernetes, and callers decide what nil means).
"""
from __future__ import annotations

import re
from typing import Callable

Requirement = tuple[str, str, tuple[str, ...]]  # (key, operator, values)

_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQUALITY = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


class SelectorError(ValueError):
    """A selector string that does not parse; the message says which part and why."""


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def parse(text: str | None) -> list[Requirement]:
    """kubectl's `-l` syntax -> requirements."""
    requirements: list[Requirement] = []
    for part in _split_top_level(text or ""):
        equality = _EQUALITY.match(part)
        if equality:
            key, op, val = equality.groups()
            requirements.append((key, "!=" if op == "!=" else "=", (val,)))
            continue
        set_based = _SET.match(part)
        if not set_based:
            raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
        negated, key, op, values = set_based.groups()
        if op:
            if negated:
                raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
            vals = tuple(sorted(v.strip() for v in values.split(",") if v.strip()))
            requirements.append((key, op, vals))
        else:
            requirements.append((key, "!" if negated else "exists", ()))
    return requirements


def matches(requirements: list[Requirement], labels: dict[str, str]) -> bool:
    """True when `labels` satisfies every requirement."""
    for key, op, values in requirements:
        present = key in labels
        if op == "=" and (not present or labels[key] != values[0]):
            return False
        if op == "!=" and present and labels[key] == values[0]:
            return False
        if op == "in" and (not present or labels[key] not in values):
            return False
        if op == "notin" and present and labels[key] in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
    return True


def from_label_selector(selector: dict | None) -> list[Requirement]:
    """A LabelSelector object (matchLabels + matchExpressions) -> requirements."""
    requirements: list[Requirement] = []
    for key, val in sorted(((selector or {}).get("matchLabels") or {}).items()):
        requirements.append((key, "=", (val,)))
    for expression in (selector or {}).get("matchExpressions") or []:
        op = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}[expression["operator"]]
        requirements.append((expression["key"], op, tuple(sorted(expression.get("values") or []))))
    return requirements


def to_string(requirements: list[Requirement]) -> str:
    """Requirements back to kubectl's syntax (what `kubectl describe` prints as Selector)."""
    out = []
    for key, op, values in requirements:
        if op in ("=", "!="):
            out.append(f"{key}{op}{values[0]}")
        elif op in ("in", "notin"):
            out.append(f"{key} {op} ({','.join(values)})")
        else:
            out.append(key if op == "exists" else f"!{key}")
    return ",".join(out)


def label_selector_matches(selector: dict | None, labels: dict[str, str]) -> bool:
    """Does a LabelSelector object select these labels? (empty selects all)"""
    return matches(from_label_selector(selector), labels)


def parse_fields(text: str | None) -> list[tuple[str, str, str]]:
    """A field selector ("spec.nodeName=node-1,status.phase!=Failed") -> (path, op, value)."""
    out = []
    for part in _split_top_level(text or ""):
        match = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not match:
            raise SelectorError(f"invalid selector: '{part.strip()}'; can't understand '{part.strip()}'")
        path, op, val = match.groups()
        out.append((path, "!=" if op == "!=" else "=", val))
    return out


def field_value(obj: dict, path: str) -> str:
    node = obj
    for step in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(step, "")
    return "" if node is None else str(node)


def fields_match(requirements: list[tuple[str, str, str]], obj: dict) -> bool:
    for path, op, val in requirements:
        actual = field_value(obj, path)
        if (op == "=") != (actual == val):
            return False
    return True


Matcher = Callable[[dict], bool]
