"""Reading `-f` manifests: files, folders and `-` (standard input), YAML or JSON.

A file may hold several objects: YAML documents separated by `---`, or a `kind: List` with
`items`. Each object remembers where it came from (its file name, or `STDIN`), because
kubectl names the file in errors: `error when creating "web.yaml": ...`.

YAML is read as Go's yaml.v2 reads it into JSON (objects/goyaml.py), which differs from
PyYAML's defaults in ways that matter for manifests: timestamps stay strings (`"2025-01-01"`
is not a date), keys become strings, and aliases are expanded and counted, so an alias bomb
is refused ("document contains excessive aliasing") instead of hanging the kernel.
Folders are read one level deep, their .yaml, .yml and .json files in name order.

Left out: URLs, `-R` (recursive folders) and kustomize (`-k`).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import yaml

from ..objects import goyaml
from .errors import KubectlError

EXTENSIONS = (".json", ".yaml", ".yml")


@dataclass
class Manifest:
    obj: dict
    source: str      # the file name, or "STDIN"


def read_manifests(filenames: tuple[str, ...], stdin: str | None) -> list[Manifest]:
    """Every object in the named files, in order."""
    manifests: list[Manifest] = []
    for filename in filenames:
        if filename == "-":
            manifests += _parse(stdin or "", "STDIN")
            continue
        if filename.startswith(("http://", "https://")):
            raise KubectlError(f"error: kubelab's kubectl cannot read manifests from URLs ({filename})")
        if not os.path.exists(filename):
            raise KubectlError(f'error: the path "{filename}" does not exist')
        if os.path.isdir(filename):
            paths = sorted(os.path.join(filename, name) for name in os.listdir(filename)
                           if name.endswith(EXTENSIONS))
        else:
            paths = [filename]
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                manifests += _parse(handle.read(), path)
    return manifests


def _parse(text: str, source: str) -> list[Manifest]:
    try:
        documents = [json.loads(text)] if text.lstrip().startswith("{") else \
            goyaml.load_all(text)
    except goyaml.YAMLBodyError as error:
        raise KubectlError(f"error: error parsing {source}: error converting YAML to JSON: {error}") from None
    except RecursionError:
        raise KubectlError(f"error: error parsing {source}: error converting YAML to JSON: "
                           f"exceeded max depth") from None
    except (yaml.YAMLError, ValueError) as error:   # JSONDecodeError, or a number Python will not read
        problem = getattr(error, "problem", None) or str(error)
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise KubectlError(f"error: error parsing {source}: error converting YAML to JSON: yaml: "
                           f"{where}{problem}") from None
    manifests = []
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise KubectlError(f"error: error parsing {source}: json: cannot unmarshal "
                               f"{json_type(document)} into Go value of type map[string]interface {{}}")
        document = _string_keys(document)
        missing = [f"{field} not set" for field in ("apiVersion", "kind") if not document.get(field)]
        if missing:
            detail = missing[0] if len(missing) == 1 else "[" + ", ".join(missing) + "]"
            raise KubectlError(f'error: error validating "{source}": error validating data: {detail}; '
                               f'if you choose to ignore these errors, turn validation off with --validate=false')
        if document["kind"].endswith("List") and isinstance(document.get("items"), list):
            manifests += [Manifest(_string_keys(item), source) for item in document["items"]]
        else:
            manifests.append(Manifest(document, source))
    return manifests


def json_type(value) -> str:
    """The JSON word Go's decoder uses for a value (never Python's `str`, `list`, `int`)."""
    if isinstance(value, bool):
        return "bool"
    return {str: "string", list: "array", int: "number", float: "number", dict: "object"}.get(type(value), "value")


def _string_keys(value):
    """JSON has only string keys: `true:` in YAML becomes "true", `80:` becomes "80"."""
    if isinstance(value, dict):
        return {(str(k).lower() if isinstance(k, bool) else str(k)): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    return value
