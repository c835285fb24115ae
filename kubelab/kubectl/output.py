"""`-o yaml`, `-o json` and `-o name`: objects printed as kubectl prints them.

kubectl holds what the server sent as an untyped map, so both YAML and JSON come out with
their keys sorted (Go sorts map keys when it encodes them). YAML goes through Go's yaml.v2,
whose habits are copied here: keys in "natural" order (`a9` before `a10`), strings that
would read back as something else double-quoted (`"80"`, `"true"`, `"y"`, timestamps, `""`),
multi-line strings as `|` blocks, long lines folded at 80 columns. JSON is indented by four
spaces with `<`, `>` and `&` escaped, as Go's encoder does.

Several objects print as one `List` (apiVersion v1, kind List, metadata.resourceVersion "").
"""
from __future__ import annotations

import functools
import json
import re

import yaml

from .resources import ResourceType

# Plain scalars Go's yaml.v2 reads as bools, floats or merges beyond what PyYAML's resolver knows.
_GO_YAML_SPECIAL = {"y", "Y", "n", "N", "<<"}
_GO_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def as_list(objects: list[dict]) -> dict:
    """The List kubectl prints for zero or several objects."""
    return {"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {"resourceVersion": ""}}


def to_json(obj) -> str:
    text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def to_yaml(obj) -> str:
    return yaml.dump(obj, Dumper=_GoYamlDumper, default_flow_style=False, allow_unicode=True,
                     sort_keys=False, width=80)


def to_name(resource: ResourceType, obj: dict, operation: str = "") -> str:
    """`deployment.apps/nginx`, or `deployment.apps/nginx created` with an operation."""
    name = (obj.get("metadata") or {}).get("name") or "<unknown>"
    return f"{resource.kind_prefix}/{name}" + (f" {operation}" if operation else "") + "\n"


class _GoYamlDumper(yaml.SafeDumper):
    """PyYAML's emitter with yaml.v2's choices of key order and string style."""

    def represent_mapping(self, tag, mapping, flow_style=None):
        items = sorted(mapping.items(), key=lambda item: _natural_key(str(item[0])))
        return super().represent_mapping(tag, dict(items), flow_style)


def _represent_str(dumper: yaml.SafeDumper, text: str):
    if "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    resolved = dumper.resolve(yaml.ScalarNode, text, (True, False))
    if resolved != "tag:yaml.org,2002:str" or text in _GO_YAML_SPECIAL or _GO_YAML_FLOAT.match(text):
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


_GoYamlDumper.add_representer(str, _represent_str)


def _key_less(a: str, b: str) -> bool:
    """yaml.v2's keyList.Less: letters by code point, digit runs by value, other runes first."""
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        a_letter, b_letter = a[i].isalpha(), b[i].isalpha()
        if a_letter and b_letter:
            return a[i] < b[i]
        if a_letter or b_letter:
            return b_letter
        a_end, b_end = _digits_end(a, i), _digits_end(b, i)
        a_number, b_number = int(a[i:a_end] or 0), int(b[i:b_end] or 0)
        if a_number != b_number:
            return a_number < b_number
        if a_end != b_end:
            return a_end < b_end
        return a[i] < b[i]
    return len(a) < len(b)


def _digits_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    return end


_natural_key = functools.cmp_to_key(lambda a, b: -1 if _key_less(a, b) else (1 if _key_less(b, a) else 0))
