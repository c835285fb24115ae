"""The status viewers of `kubectl rollout status`: one message from one read of the object.

Each viewer is upstream's (kubectl/pkg/polymorphichelpers/rollout_status.go), word for word:
it answers (message, done) from the object's spec and status alone, and refuses what can
never finish (a Deployment past its progress deadline). The messages say what the
controller has yet to do, in the order it does it: observe the new spec, create updated
replicas, remove old ones, wait for the new ones to become available.
"""
from __future__ import annotations

from .errors import KubectlError

REVISION = "deployment.kubernetes.io/revision"


def deployment_status(deployment: dict, revision: int, client=None) -> tuple[str, bool]:
    name, spec, status = deployment["metadata"]["name"], deployment.get("spec") or {}, deployment.get("status") or {}
    if revision > 0:
        running = int((deployment["metadata"].get("annotations") or {}).get(REVISION, "0") or 0)
        if running != revision:
            raise KubectlError(f"error: desired revision ({revision}) is different from the running revision "
                               f"({running})")
    if deployment["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...\n", False
    progressing = next((c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), {})
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        raise KubectlError(f'error: deployment "{name}" exceeded its progress deadline')
    wanted, updated = spec.get("replicas", 1), status.get("updatedReplicas", 0)
    if updated < wanted:
        return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {wanted} new replicas '
                f"have been updated...\n"), False
    if status.get("replicas", 0) > updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {status["replicas"] - updated} old replicas '
                f"are pending termination...\n"), False
    if status.get("availableReplicas", 0) < updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {status.get("availableReplicas", 0)} of '
                f"{updated} updated replicas are available...\n"), False
    return f'deployment "{name}" successfully rolled out\n', True


def daemonset_status(daemonset: dict, revision: int, client=None) -> tuple[str, bool]:
    name, spec, status = daemonset["metadata"]["name"], daemonset.get("spec") or {}, daemonset.get("status") or {}
    if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") != "RollingUpdate":
        raise KubectlError("error: rollout status is only available for RollingUpdate strategy type")
    if daemonset["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for daemon set spec update to be observed...\n", False
    desired = status.get("desiredNumberScheduled", 0)
    if status.get("updatedNumberScheduled", 0) < desired:
        return (f'Waiting for daemon set "{name}" rollout to finish: {status.get("updatedNumberScheduled", 0)} '
                f"out of {desired} new pods have been updated...\n"), False
    if status.get("numberAvailable", 0) < desired:
        return (f'Waiting for daemon set "{name}" rollout to finish: {status.get("numberAvailable", 0)} of '
                f"{desired} updated pods are available...\n"), False
    return f'daemon set "{name}" successfully rolled out\n', True


def statefulset_status(statefulset: dict, revision: int, client=None) -> tuple[str, bool]:
    spec, status = statefulset.get("spec") or {}, statefulset.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        raise KubectlError("error: rollout status is only available for RollingUpdate strategy type")
    observed = status.get("observedGeneration", 0)
    if not observed or statefulset["metadata"].get("generation", 0) > observed:
        return "Waiting for statefulset spec update to be observed...\n", False
    replicas = spec.get("replicas", 1)
    if status.get("readyReplicas", 0) < replicas:
        return f"Waiting for {replicas - status.get('readyReplicas', 0)} pods to be ready...\n", False
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        partition = rolling.get("partition")
        if partition is not None and status.get("updatedReplicas", 0) < replicas - partition:
            return (f"Waiting for partitioned roll out to finish: {status.get('updatedReplicas', 0)} out of "
                    f"{replicas - partition} new pods have been updated...\n"), False
        return f"partitioned roll out complete: {status.get('updatedReplicas', 0)} new pods have been updated...\n", True
    if status.get("updateRevision") != status.get("currentRevision"):
        return (f"waiting for statefulset rolling update to complete {status.get('updatedReplicas', 0)} pods at "
                f"revision {status.get('updateRevision')}...\n"), False
    return (f"statefulset rolling update complete {status.get('currentReplicas', 0)} pods at revision "
            f"{status.get('currentRevision')}...\n"), True


STATUS_VIEWERS = {"deployments": deployment_status, "daemonsets": daemonset_status,
                  "statefulsets": statefulset_status}


def status_message(plural: str, obj: dict, revision: int, client=None) -> tuple[str, bool]:
    """(what kubectl prints now, whether the rollout is done)."""
    return STATUS_VIEWERS[plural](obj, revision, client)
