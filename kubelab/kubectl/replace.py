"""`kubectl replace -f`: write each object whole, in place of what the cluster holds.

    kubectl replace -f web.yaml       ->  deployment.apps/web replaced

Unlike apply there is no merge: the file's object is PUT as it is, so a field the file leaves
out is gone afterwards (the server defaults it again). kubectl first GETs the live object
only to copy its `resourceVersion` into the one it sends (an update must name the version it
replaces); a missing object is an error ("error when replacing"), not a create. The
`--validate` flag works as for create and apply (apply.py).

Left out: --force (delete and re-create), --save-config, --dry-run, -o.
"""
from __future__ import annotations

import copy

from kubelab.client import ApiError

from .apply import STRICT, _each_manifest, server_warnings
from .errors import KubectlError, api_error_message
from .resources import ResourceType


def replace(client, argv: list[str], now: float, namespace: str, stdin: str | None = None) -> str:
    """Run `kubectl replace` with `argv` (everything after "replace")."""
    return _each_manifest("replace", client, argv, namespace, stdin, _replace_one)


def _replace_one(client, resource: ResourceType, obj: dict, namespace: str | None, source: str,
                 directive: str = STRICT):
    name = obj.get("metadata", {}).get("name", "")
    try:
        live = client.get(resource.plural, name, namespace)
        sent = copy.deepcopy(obj)
        sent["metadata"]["resourceVersion"] = live["metadata"].get("resourceVersion", "")
        client.update(resource.plural, sent, namespace, field_validation=directive)
    except ApiError as error:
        raise KubectlError(api_error_message(error, "replacing", source)) from None
    return f"{resource.kind_prefix}/{name} replaced\n", server_warnings(client)
