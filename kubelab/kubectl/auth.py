"""`kubectl auth can-i`: ask the API server whether *you* may do something.

    kubectl auth can-i delete pods            ->  yes / no
    kubectl auth can-i list secrets -n kube-system

kubectl sends a SelfSubjectAccessReview: "may the user making this request do VERB on
RESOURCE in NAMESPACE?". The API server answers from its authorizers (RBAC), without doing
the thing — so can-i and the real request always agree.

Left out: `--list`, `--as` impersonation, non-resource URLs (`can-i get /healthz`).
"""
from __future__ import annotations

from . import flags
from .errors import KubectlError
from .resources import resolve

FLAGS = [flags.NAMESPACE, flags.ALL_NAMESPACES]


def auth(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl auth SUBCOMMAND` (only can-i)."""
    if argv[:1] != ["can-i"]:
        raise KubectlError('error: unknown command "%s" for "kubectl auth"' % (argv[0] if argv else ""))
    options, args = flags.parse("auth can-i", argv[1:], FLAGS)
    if len(args) < 2:
        raise KubectlError("error: you must specify two arguments: verb resource or verb resource/resourceName.")
    verb, target = args[0], args[1]
    kind, _, name = target.partition("/")
    resource = resolve(kind)
    where = "" if options["all_namespaces"] or not resource.namespaced else (options["namespace"] or namespace)
    allowed = client.can_i(verb, resource.plural, where, resource.group, name)
    return ("yes" if allowed else "no") + "\n"
