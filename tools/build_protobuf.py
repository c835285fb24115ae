"""Build kubelab/apiserver/http/protobuf-fields.json: the field numbers of Kubernetes' protobuf messages.

    .venv/bin/python tools/build_protobuf.py /path/to/kubernetes/api /path/to/kubernetes/apimachinery

client-go sends built-in kinds as protobuf (`kubectl create namespace`, `drain`, `auth can-i`),
and a protobuf message says only "field 1, field 2": which field is which lives in the
generated.proto files of k8s.io/api and k8s.io/apimachinery (Apache License 2.0). This script
reads the packages below and writes, per message, {number: [jsonName, kind, type]}, where kind
is "optional", "repeated" or "map" (type is then [keyType, valueType]). Field numbers never
change once released (that is protobuf's compatibility rule), so a newer checkout also reads
v1.32's messages. Each argument may be a checkout or a bare git directory (read at HEAD).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

PACKAGES = ("core/v1", "apps/v1", "coordination/v1", "rbac/v1", "policy/v1", "autoscaling/v1",
            "authorization/v1", "authentication/v1", "discovery/v1")
MACHINERY = ("pkg/apis/meta/v1", "pkg/runtime", "pkg/runtime/schema", "pkg/api/resource", "pkg/util/intstr")
TARGET = Path(__file__).resolve().parent.parent / "kubelab/apiserver/http/protobuf-fields.json"

_FIELD = re.compile(r"^\s*(optional|repeated)\s+([.\w]+)\s+(\w+)\s*=\s*(\d+)\s*;")
_MAP = re.compile(r"^\s*map<\s*([.\w]+)\s*,\s*([.\w]+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;")
_SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float", "sint32",
            "sint64", "fixed32", "fixed64"}


def read(root: str, path: str) -> str:
    candidate = Path(root) / path
    if candidate.exists():
        return candidate.read_text()
    return subprocess.run(["git", "--git-dir", root, "show", f"HEAD:{path}"], capture_output=True, text=True,
                          check=True).stdout


def qualify(type_name: str, package: str) -> str:
    if type_name in _SCALARS:
        return type_name
    return type_name.lstrip(".") if type_name.startswith(".") else f"{package}.{type_name}"


def parse(text: str) -> dict[str, dict]:
    package = re.search(r"^package\s+([\w.]+);", text, re.M).group(1)
    messages: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("message "):
            current = messages.setdefault(f"{package}.{line.split()[1]}", {})
        elif line.startswith("}"):
            current = None
        elif current is not None and (match := _FIELD.match(line)):
            kind, type_name, name, number = match.groups()
            current[number] = [name, kind, qualify(type_name, package)]
        elif current is not None and (match := _MAP.match(line)):
            key, value, name, number = match.groups()
            current[number] = [name, "map", [qualify(key, package), qualify(value, package)]]
    return messages


def main(api: str, apimachinery: str) -> None:
    messages: dict[str, dict] = {}
    for package in PACKAGES:
        messages.update(parse(read(api, f"{package}/generated.proto")))
    for package in MACHINERY:
        messages.update(parse(read(apimachinery, f"{package}/generated.proto")))
    document = {"x-source": "field numbers from k8s.io/api and k8s.io/apimachinery generated.proto "
                            "(Apache License 2.0); built by tools/build_protobuf.py",
                "messages": dict(sorted(messages.items()))}
    TARGET.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    print(f"{TARGET}: {len(messages)} messages, {TARGET.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(*sys.argv[1:3])
