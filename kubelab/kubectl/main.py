"""From a command line to what kubectl prints: split, pick the subcommand, run it.

    run(client, "get pods -o wide", now)  ->  "NAME    READY   STATUS    ..."

kubectl is only a client: every command here is a few API calls through `client` (the same
Client every component uses) and some formatting. `now` is the cluster clock's time, used
for AGE columns, so output is the same on every run of a lesson.

A command that fails returns (or, with check=True, raises as KubectlError) exactly the text
real kubectl prints on stderr, after whatever it printed on stdout first. Nothing escapes as
a traceback: an unexpected exception becomes one `error: ...` line.
"""
from __future__ import annotations

import shlex

from kubelab.client import ApiError

from .annotate import annotate
from .apply import apply, create
from .auth import auth
from .delete import delete
from .cordon import cordon
from .describe import describe
from .drain import drain
from .resources import learn_from
from .errors import KubectlError, api_error_message
from .flags import find_command
from .exec import exec_
from .explain import explain
from .get import get
from .label import label
from .logs import logs
from .replace import replace
from .rollout import rollout
from .scale import scale
from .taint import taint
from .top import top
from .uncordon import uncordon

COMMANDS = {"get": get, "describe": describe, "apply": apply, "create": create, "delete": delete,
            "scale": scale, "auth": auth, "label": label, "annotate": annotate,
            "cordon": cordon, "uncordon": uncordon, "taint": taint, "top": top}
COMMANDS.update({"drain": drain})
COMMANDS.update({"exec": exec_})
COMMANDS.update({"logs": logs, "rollout": rollout, "replace": replace, "explain": explain})
NEEDS_CLOCK = ("rollout", "get", "drain")   # they wait: given the cluster's clock, they advance virtual time
NEEDS_STDIN = ("apply", "create", "delete", "replace")

USAGE = """kubectl controls the Kubernetes cluster manager (kubelab's own, small kubectl).

Basic Commands:
  create        Create a resource from a file or from stdin
  explain       Get documentation for a resource
  get           Display one or many resources
  delete        Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout       Manage the rollout of a resource
  scale         Set a new size for a deployment or replica set

Cluster Management Commands:
  top           Display resource (CPU/memory) usage
  cordon        Mark node as unschedulable
  uncordon      Mark node as schedulable
  drain         Drain node in preparation for maintenance
  taint         Update the taints on one or more nodes

Troubleshooting and Debugging Commands:
  describe      Show details of a specific resource or group of resources
  logs          Print the logs for a container in a pod
  exec          Execute a command in a container

Advanced Commands:
  apply         Apply a configuration to a resource by file name or stdin
  replace       Replace a resource by file name or stdin
  auth          Inspect authorization

Settings Commands:
  label         Update the labels on a resource
  annotate      Update the annotations on a resource

Usage:
  kubectl [flags] [options]
"""


def run(client, args: str | list[str], now: float, *, stdin: str | None = None, namespace: str = "default",
        check: bool = False, scheduler=None, clock=None, executor=None) -> str:
    """What `kubectl <args>` prints. With check=True a failure raises KubectlError (exit code 1).

    `scheduler`: the in-process scheduler, for the `kubectl scheduler` plugin (scheduler_plugin.py).
    `clock`: the cluster's virtual clock, for commands that wait (`rollout status`, `get -w`);
    without it they print once and return.
    `executor`: how `kubectl exec` runs a command on a pod's node in process (exec.py).
    """
    try:
        if _words(args)[:1] == ["scheduler"]:
            from .scheduler_plugin import scheduler_plugin
            return scheduler_plugin(scheduler, _words(args)[1:], namespace)
        return _dispatch(client, args, now, stdin, namespace, clock, executor)
    except KubectlError as error:
        if check:
            raise
        return error.text
    except ApiError as error:   # a command that forgot to word an API error: still no traceback
        failure = KubectlError(api_error_message(error))
    except Exception as error:  # noqa: BLE001 - the promise is "never a traceback"
        failure = KubectlError(f"error: {error}")
    if check:
        raise failure
    return failure.text


def _words(args: str | list[str]) -> list[str]:
    try:
        words = shlex.split(args) if isinstance(args, str) else list(args)
    except ValueError:
        return []
    return words[1:] if words[:1] == ["kubectl"] else words


def _dispatch(client, args: str | list[str], now: float, stdin: str | None, namespace: str, clock=None,
              executor=None) -> str:
    if isinstance(args, str):
        try:
            argv = shlex.split(args)
        except ValueError as error:
            raise KubectlError(f"error: {error}") from None
    else:
        argv = list(args)
    if argv[:1] == ["kubectl"]:
        argv = argv[1:]
    command, rest = find_command(argv)
    if not command:
        if not argv or any(word in ("-h", "--help") for word in argv):
            return USAGE
        raise KubectlError(f"Error: unknown flag: {argv[0]}\nSee 'kubectl --help' for usage.")
    handler = COMMANDS.get(command)
    learn_from(client)   # custom kinds come from the server's discovery, when a name needs them
    if handler is None:
        raise KubectlError(f'Error: unknown command "{command}" for "kubectl"' + _suggestions(command))
    if command == "exec":
        return handler(client, rest, now, namespace, stdin=stdin, executor=executor)
    if command in NEEDS_STDIN:
        return handler(client, rest, now, namespace, stdin=stdin)
    if command in NEEDS_CLOCK:
        return handler(client, rest, now, namespace, clock=clock)
    return handler(client, rest, now, namespace)


def _suggestions(typed: str) -> str:
    """cobra's "Did you mean this?": commands within two edits, or starting with what was typed."""
    close = [name for name in sorted(COMMANDS) if _distance(typed, name) <= 2 or name.startswith(typed)]
    if not close:
        return ""
    return "\n\nDid you mean this?\n" + "".join(f"\t{name}\n" for name in close) + "\n"


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
