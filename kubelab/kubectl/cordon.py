"""`kubectl cordon` (and, through uncordon.py, `kubectl uncordon`): mark a node (un)schedulable.

    kubectl cordon node-1          -> node/node-1 cordoned
    kubectl uncordon node-1        -> node/node-1 uncordoned

Cordoning only writes `spec.unschedulable: true` with a merge patch; the scheduler then
leaves the node out and the node lifecycle controller adds the
`node.kubernetes.io/unschedulable:NoSchedule` taint. Pods already there keep running (that
is what `kubectl drain` is for). A node already in the asked state is reported "already
cordoned" / "already uncordoned" and not written. Nodes may be named or picked with -l.

Left out: --dry-run.
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, api_error_message

FLAGS = [flags.SELECTOR]


def cordon(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl cordon` with `argv` (everything after "cordon")."""
    return set_schedulable(client, argv, "cordon", unschedulable=True)


def set_schedulable(client, argv: list[str], command: str, *, unschedulable: bool) -> str:
    """Shared by cordon and uncordon (and drain's first step)."""
    options, args = flags.parse(command, argv, FLAGS)
    nodes = node_objects(client, args, options["selector"], command)
    return "".join(mark(client, node, command, unschedulable) for node in nodes)


def node_objects(client, names: list[str], selector: str, command: str) -> list[dict]:
    """The nodes named (or picked by `selector`), with kubectl's usage error when there are none."""
    if not names and not selector:
        raise KubectlError(f"error: USAGE: {command} NODE [flags]\nSee 'kubectl {command} -h' for help and examples")
    if selector:
        return client.list("nodes", label_selector=selector)["items"]
    nodes = []
    for name in names:
        try:
            nodes.append(client.get("nodes", name.removeprefix("node/").removeprefix("nodes/")))
        except ApiError as error:
            raise KubectlError(api_error_message(error)) from None
    return nodes


def mark(client, node: dict, command: str, unschedulable: bool) -> str:
    """Write spec.unschedulable if it differs; the line kubectl prints for the node."""
    name = node["metadata"]["name"]
    word = "cordoned" if unschedulable else "uncordoned"
    if bool((node.get("spec") or {}).get("unschedulable")) == unschedulable:
        return f"node/{name} already {word}\n"
    try:
        client.patch("nodes", name, {"spec": {"unschedulable": True if unschedulable else None}})
    except ApiError as error:
        raise KubectlError(api_error_message(error)) from None
    return f"node/{name} {word}\n"
