"""`kubectl exec`: run a command in a running container, on its node (kubectl 1.32's exec.go).

    kubectl exec web -- ls /              the pod's only (or default) container
    kubectl exec two -c b -- cat /etc/hostname
    kubectl exec -i web -- sh -c 'cat'    stdin given in process (cluster.kubectl(..., stdin=...))
    kubectl exec deploy/web -- env        the first of the Deployment's pods

What kubectl does before any request, with its words: the command after `--` (`exec POD CMD`
without the dash is refused, as since 1.27), the pod read with a GET (a Succeeded or Failed pod
is refused: "cannot exec into a container in a completed pod"), the container defaulted as for
logs (the default-container annotation, else the first, saying `Defaulted container "a" out of:
a, b` when there was a choice). Then the API server checks the container is the pod's (`Error
from server (BadRequest): container x is not valid for pod web`) and the kubelet runs it
through the runtime (CRI ExecSync); a container not running is the kubelet's refusal, `error:
unable to upgrade connection: container not found ("x")`. A command that exits non-zero prints
its output, then `command terminated with exit code N`.

The stream itself: a notebook cell cannot hold a WebSocket open, so in process the cluster hands
kubectl an `executor` that does what the kubelet's /exec endpoint does (ExecSync on the pod's
node, on virtual time). Against `kubelab up` use the real kubectl, which speaks the stream.
Left out: -t (a TTY needs a terminal), --pod-running-timeout (no waiting for a pod to run), -f.
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, api_error_message
from .logs import _default_container, _pick_pod

FLAGS = [flags.NAMESPACE, flags.Flag("container", "c"), flags.Flag("stdin", "i", "bool", False),
         flags.Flag("tty", "t", "bool", False), flags.Flag("quiet", "q", "bool", False),
         flags.Flag("pod-running-timeout", default="1m0s")]
SEE_HELP = "\nSee 'kubectl exec -h' for help and examples"
NO_DASH = "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead" + SEE_HELP
NO_POD = "error: pod, type/name or --filename must be specified" + SEE_HELP
NO_COMMAND = "error: you must specify at least one command for the container"
NO_STREAM = ("error: kubelab's kubectl runs exec only in process (cluster.kubectl); against `kubelab up` "
             "use kubectl, which speaks the exec stream")


def exec_(client, argv: list[str], now: float, namespace: str, stdin: str | None = None, executor=None) -> str:
    """Run `kubectl exec` with `argv` (everything after "exec"); `executor(namespace, pod,
    container, command, stdin)` runs the command on the pod's node and returns (exit code, output)."""
    dash = argv.index("--") if "--" in argv else -1
    options, args = flags.parse("exec", argv[:dash] if dash >= 0 else argv, FLAGS)
    command = argv[dash + 1:] if dash >= 0 else []
    if dash < 0 and len(args) > 1:
        raise KubectlError(NO_DASH)
    if not args:
        raise KubectlError(NO_POD)
    if not command:
        raise KubectlError(NO_COMMAND)
    namespace = options["namespace"] or namespace
    pod = _pod(client, args[0], namespace)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise KubectlError(f"error: cannot exec into a container in a completed pod; current phase is {phase}")
    spec, name = pod["spec"], pod["metadata"]["name"]
    names = [c["name"] for c in spec.get("containers") or []]
    inits = [c["name"] for c in spec.get("initContainers") or []]
    notice = ""
    container = options["container"]
    if not container:
        chosen, notice = _default_container(pod, names, inits)
        container, notice = chosen[0], ("" if options["quiet"] else notice)
    if container not in names + inits:   # the API server's check (subresources/exec.py)
        raise KubectlError(f"Error from server (BadRequest): container {container} is not valid for pod {name}",
                           notice)
    if not spec.get("nodeName"):
        raise KubectlError(f"Error from server (BadRequest): pod {name} does not have a host assigned", notice)
    if executor is None:
        raise KubectlError(NO_STREAM, notice)
    try:
        exit_code, output = executor(namespace, name, container, command,
                                     (stdin or "") if options["stdin"] else None)
    except ApiError as error:
        if error.code == 400:   # the kubelet refused the upgrade: its container isn't running
            raise KubectlError(f'error: unable to upgrade connection: container not found ("{container}")',
                               notice) from None
        raise KubectlError(api_error_message(error), notice) from None
    if exit_code != 0:
        raise KubectlError(f"command terminated with exit code {exit_code}", notice + output)
    return notice + output


def _pod(client, word: str, namespace: str) -> dict:
    """The pod `web` or `pod/web` (the builder's GET, its error as is), or a workload's first pod."""
    type_word, _, name = word.rpartition("/")
    if type_word in ("", "pod", "pods", "po"):
        try:
            return client.get("pods", name, namespace)
        except ApiError as error:
            raise KubectlError(api_error_message(error)) from None
    return _pick_pod(client, word, namespace)[1]
