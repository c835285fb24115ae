"""`kubectl taint`: add or remove taints on nodes.

    kubectl taint nodes node-1 dedicated=gpu:NoSchedule     -> node/node-1 tainted
    kubectl taint nodes node-1 dedicated:NoSchedule-        -> node/node-1 untainted
    kubectl taint nodes node-1 dedicated-                   (every effect of the key)

A taint is `key[=value]:Effect`, Effect one of NoSchedule, PreferNoSchedule, NoExecute; a
trailing `-` removes. A node holds at most one taint per (key, effect): adding one it
already has is refused unless --overwrite. The new taint list is written with a merge patch
of `spec.taints` (a merge patch replaces a list whole, which is what is wanted here).
Arguments without `=`, `:` or a trailing `-` are the nodes; -l or --all picks them instead.

Simplification: only the name rule of the key is checked here (not a DNS prefix's length);
the API server checks the rest. Left out: --dry-run, --validate.
"""
from __future__ import annotations

import re

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, api_error_message

FLAGS = [flags.SELECTOR, flags.Flag("all", kind="bool", default=False),
         flags.Flag("overwrite", kind="bool", default=False)]
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
NAME_RULE = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
             "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
             "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
HELP = "\nSee 'kubectl taint -h' for help and examples"


def taint(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl taint` with `argv` (everything after "taint")."""
    options, args = flags.parse("taint", argv, FLAGS)
    words = [a for a in args if "=" not in a and ":" not in a and not a.endswith("-")]
    specs = [a for a in args if a not in words]
    if not specs:
        raise KubectlError("error: at least one taint update is required")
    adds, removes = [], []
    for spec in specs:
        if spec.endswith("-"):
            removes.append(_parse(spec[:-1], spec))
        else:
            added = _parse(spec, spec)
            if "effect" not in added:
                raise KubectlError(f"error: invalid taint spec: {spec}{HELP}")
            if any(t["key"] == added["key"] and t["effect"] == added["effect"] for t in adds):
                raise KubectlError("error: duplicated taints with the same key and effect: "
                                   f"{{{added['key']} {added.get('value', '')} {added['effect']} <nil>}}{HELP}")
            adds.append(added)
    nodes = _nodes(client, words, options)
    shown = ""
    for node in nodes:
        shown += _apply(client, node, adds, removes, options["overwrite"], shown)
    return shown


def _parse(text: str, spec: str) -> dict:
    """`key[=value][:Effect]` as a taint dict; kubectl's words when it is malformed."""
    parts = text.split(":")
    if len(parts) > 2:
        raise KubectlError(f"error: invalid taint spec: {spec}{HELP}")
    taint = {}
    if len(parts) == 2:
        if parts[1] not in EFFECTS:
            raise KubectlError(f"error: invalid taint effect: {parts[1]}, unsupported taint effect{HELP}")
        taint["effect"] = parts[1]
    key, *value = parts[0].split("=") if len(parts) == 2 else [parts[0]]   # no effect: it is all key
    if len(value) > 1:
        raise KubectlError(f"error: invalid taint spec: {spec}{HELP}")
    name = key.rsplit("/", 1)[-1]
    if not NAME.fullmatch(name) or len(name) > 63:
        raise KubectlError(f"error: invalid taint spec: {spec}, {NAME_RULE}{HELP}")
    taint["key"] = key
    if value:
        taint["value"] = value[0]
    return taint


def _show(taint: dict) -> str:
    text = taint["key"] + (f"={taint['value']}" if taint.get("value") else "")
    return text + (f":{taint['effect']}" if taint.get("effect") else "")


def _nodes(client, names: list[str], options: dict) -> list[dict]:
    if options["all"] or options["selector"]:
        return client.list("nodes", label_selector=options["selector"] or None)["items"]
    names = [n.split("/", 1)[1] if "/" in n else n for n in names]
    if names[:1] in (["node"], ["nodes"], ["no"]):
        names = names[1:]
    if not names:
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    nodes = []
    for name in names:
        try:
            nodes.append(client.get("nodes", name))
        except ApiError as error:
            raise KubectlError(api_error_message(error)) from None
    return nodes


def _apply(client, node: dict, adds: list[dict], removes: list[dict], overwrite: bool, shown: str) -> str:
    name = node["metadata"]["name"]
    old = (node.get("spec") or {}).get("taints") or []
    same = lambda a, b: a["key"] == b["key"] and a.get("effect") == b.get("effect")  # noqa: E731
    if not overwrite:
        clashes = [t["key"] for t in adds if any(same(t, o) for o in old)]
        if clashes:
            raise KubectlError(f"error: Node {name} already has {', '.join(clashes)} taint(s) with same effect(s) "
                               "and --overwrite is false", shown)
    kept = [dict(t) for t in old]
    for removal in removes:
        matching = [t for t in kept if t["key"] == removal["key"]
                    and ("effect" not in removal or t.get("effect") == removal["effect"])]
        if not matching:
            raise KubectlError(f'error: taint "{_show(removal)}" not found', shown)
        kept = [t for t in kept if t not in matching]
    new = [t for t in kept if not any(same(t, a) for a in adds)] + adds
    try:
        client.patch("nodes", name, {"spec": {"taints": new or None}})
    except ApiError as error:
        raise KubectlError(api_error_message(error), shown) from None
    return f"node/{name} {'untainted' if removes and not adds else 'tainted'}\n"
