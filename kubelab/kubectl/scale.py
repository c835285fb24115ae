"""`kubectl scale`: change how many replicas a Deployment, ReplicaSet, StatefulSet or
ReplicationController wants.

    kubectl scale deployment/web --replicas=5
    kubectl scale rs web-7d4b9 --replicas 0

Scaling only writes the desired count, `spec.replicas`; the controllers do the rest (the
ReplicaSet controller creates or deletes pods until the count is met). Real kubectl writes
it through the `scale` subresource; kubelab's API server does not serve that subresource yet,
so this sends a merge patch of `spec.replicas` — the same change to the same field.

Left out: `--current-replicas` and `--resource-version` preconditions, `--timeout`, `-f`.
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, aggregate, api_error_message
from .targets import parse_targets

FLAGS = [flags.NAMESPACE, flags.Flag("replicas", kind="int", default=None)]
SCALABLE = ("deployments", "replicasets", "replicationcontrollers", "statefulsets")


def scale(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl scale` with `argv` (everything after "scale")."""
    options, args = flags.parse("scale", argv, FLAGS)
    if options["replicas"] is None:
        raise KubectlError('error: required flag(s) "replicas" not set')
    if options["replicas"] < 0:
        raise KubectlError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or "
                           "equal to 0")
    namespace = options["namespace"] or namespace
    targets, _ = parse_targets(args)
    if not targets:
        raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                           "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                           "   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
    if any(t.name is None for t in targets):
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    found, failures = [], []
    for target in targets:
        try:
            client.get(target.resource.plural, target.name, namespace)
            found.append(target)
        except ApiError as error:
            failures.append(error)
    if not found:
        # Upstream wraps the lookup errors in a plain error, so they lose their "from server" words.
        messages = [failure.message for failure in failures]
        joined = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
        raise KubectlError(f"error: no objects passed to scale {joined}")
    shown = ""
    for target in found:
        if target.resource.plural not in SCALABLE:
            raise KubectlError("Error from server (NotFound): the server could not find the requested resource",
                               shown)
        try:
            client.patch(target.resource.plural, target.name, {"spec": {"replicas": options["replicas"]}},
                         namespace)
        except ApiError as error:
            raise KubectlError(api_error_message(error), shown) from None
        shown += f"{target.resource.kind_prefix}/{target.name} scaled\n"
    if failures:
        raise aggregate([api_error_message(failure) for failure in failures], shown)
    return shown
