"""The kubelet's volume manager, for one pod: the files each of its volumes holds, mounted once
before the first container starts (upstream's volumemanager and the volume plugins' SetUp).

    configMap / secret          read from the API (each object once per mount, however many
                                volumes name it); a missing one is a FailedMount, retried
    projected                   the same, plus the service-account token (below) and kube-root-ca.crt
    serviceAccountToken         a token bound to this pod, asked of the API server (TokenRequest)
    emptyDir / hostPath / PVC   container_config.volume_files

Invariant: a pod's volumes are mounted all or nothing; a failure leaves none recorded, emits
FailedMount with upstream's words, and the pod is looked at again after CONFIG_RETRY_SECONDS.

Left out: upstream's desired/actual state-of-world loops and remounting when a ConfigMap
changes (a mounted ConfigMap here keeps the content it had at mount time).
"""
from __future__ import annotations

from ..client import ApiError
from ..client.events import WARNING
from ..objects import meta
from ..objects.meta import Key
from .container_config import MountError, volume_files

CONFIG_RETRY_SECONDS = 10.0  # the pod worker's resync after an error (upstream: 10–15 s, jittered)


class VolumeManager:
    """Mixed into the kubelet's PodSync: it uses self.client, recorder, runtime, clock, volumes
    and _wake_at."""

    def _lookup(self, resource: str, namespace: str, name: str) -> dict | None:
        try:
            return self.client.get(resource, name, namespace)
        except ApiError as error:
            if error.code == 404:
                return None
            raise

    def _token(self, pod: dict, source: dict) -> str:
        """A service-account token bound to this pod (the kubelet's token manager): NodeRestriction
        lets a node ask only for tokens bound to a pod it runs. A refusal is a FailedMount."""
        audience = source.get("audience")
        try:
            answer = self.client.request_token(
                pod["spec"].get("serviceAccountName") or "default", meta.namespace(pod),
                audiences=[audience] if audience else None,
                expiration_seconds=int(source.get("expirationSeconds", 3607)),
                bound_object_ref={"kind": "Pod", "apiVersion": "v1", "name": meta.name(pod), "uid": meta.uid(pod)})
        except ApiError as error:
            raise MountError(f"failed to fetch token: {error.message}") from None
        return answer["status"]["token"]

    def _mount_volumes(self, key: Key, pod: dict) -> bool:
        files, looked_up = {}, {}   # each ConfigMap/Secret read once per mount, however many volumes name it

        def lookup(resource: str, namespace: str, name: str) -> dict | None:
            if (resource, namespace, name) not in looked_up:
                looked_up[resource, namespace, name] = self._lookup(resource, namespace, name)
            return looked_up[resource, namespace, name]
        try:
            for volume in pod["spec"].get("volumes") or []:
                files[volume["name"]] = volume_files(pod, volume, lookup, lambda source: self._token(pod, source),
                                                     self.runtime.host_paths)
        except MountError as error:
            self.recorder.event(pod, WARNING, "FailedMount", str(error))
            self._wake_at(key, self.clock.now() + CONFIG_RETRY_SECONDS)
            return False
        self.volumes[meta.uid(pod)] = files
        return True
