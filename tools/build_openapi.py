"""Build kubelab/apiserver/http/openapi-v1.32.json: upstream's schemas for the kinds kubelab serves.

    .venv/bin/python tools/build_openapi.py

The source is Kubernetes v1.32's OpenAPI definitions (Apache License 2.0, from
kubernetes/kubernetes api/openapi-spec), as the kubernetes-validate package ships them
(also Apache 2.0), converted there to JSON Schema. This script turns them back into OpenAPI
v2 definitions — `$ref`s to `#/definitions/...`, one type per schema (no "null"),
IntOrString as `string` / `int-or-string` and Quantity as `string` as upstream writes them,
no enum on apiVersion/kind — and keeps only what the groups below need (their kinds and
everything those refer to). openapi.py serves the result as /openapi/v2 and /openapi/v3,
filtered again to the kinds resources.py lists. Re-run it when a kind from a new group is
served.
"""
from __future__ import annotations

import json
from pathlib import Path

import kubernetes_validate

GROUPS = ("io.k8s.api.core.v1.", "io.k8s.api.apps.v1.", "io.k8s.api.coordination.v1.",
          "io.k8s.api.rbac.v1.", "io.k8s.api.policy.v1.", "io.k8s.api.autoscaling.v1.",
          "io.k8s.api.authorization.v1.", "io.k8s.api.authentication.v1.", "io.k8s.api.discovery.v1.",
          "io.k8s.api.scheduling.v1.",
          "io.k8s.apimachinery.pkg.apis.meta.v1.", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.")
SOURCE = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema/v1.32.0-local/_definitions.json"
TARGET = Path(__file__).resolve().parent.parent / "kubelab/apiserver/http/openapi-v1.32.json"

SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
}


def convert(schema):
    """One JSON-Schema node back into OpenAPI v2's form."""
    if isinstance(schema, list):
        return [convert(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):   # (JSONSchemaProps has a *field* named $ref)
            out[key] = value.replace("#/$defs/", "#/definitions/")
        elif key == "type" and isinstance(value, list):
            kept = [t for t in value if t != "null"]
            out[key] = kept[0] if len(kept) == 1 else kept
        elif key == "properties":
            out[key] = {name: convert(prop) for name, prop in value.items()}
        else:
            out[key] = convert(value)
    return out


def refs(schema) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.split("/")[-1])
            else:
                found |= refs(value)
    elif isinstance(schema, list):
        for item in schema:
            found |= refs(item)
    return found


def main() -> None:
    definitions = json.loads(SOURCE.read_text())["$defs"]
    wanted = [name for name in definitions if name.startswith(GROUPS)]
    kept: dict[str, dict] = {}
    while wanted:
        name = wanted.pop()
        if name in kept:
            continue
        schema = SPECIAL.get(name) or convert(definitions[name])
        if "x-kubernetes-group-version-kind" in schema:
            for field in ("apiVersion", "kind"):
                (schema.get("properties") or {}).get(field, {}).pop("enum", None)
        if name in SPECIAL:
            schema = {"description": definitions[name].get("description", ""), **schema} \
                if definitions[name].get("description") else schema
        kept[name] = schema
        wanted.extend(refs(schema) - kept.keys())
    document = {"x-source": "Kubernetes v1.32 OpenAPI definitions (Apache License 2.0), via "
                            "kubernetes-validate 1.32.0-local; built by tools/build_openapi.py",
                "definitions": dict(sorted(kept.items()))}
    TARGET.write_text(json.dumps(document, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"{TARGET}: {len(kept)} definitions, {TARGET.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
