"""ServiceAccount: every pod runs as a service account, with that account's token mounted.

On a pod's creation (v1.32):
  1. no spec.serviceAccountName → "default";
  2. the account must exist, or the pod is refused ("error looking up service account
     default/default: serviceaccount "default" not found" — what you meet when a pod races
     the serviceaccount controller in a brand-new namespace);
  3. unless the pod or the account says automountServiceAccountToken: false, a projected
     volume `kube-api-access-<5 random characters>` is added — a bound token that the kubelet
     asks the TokenRequest API for (valid 3607 s, refreshed by the kubelet), the cluster's CA
     (the kube-root-ca.crt ConfigMap) and the namespace — and mounted read-only at
     /var/run/secrets/kubernetes.io/serviceaccount in every container and init container
     that does not already mount something there.

This is how a program in a pod finds its credentials to talk to the API server: the client
libraries' "in-cluster config" reads exactly that folder.

Mirror pods (static pods the kubelet mirrors) are left alone, as upstream leaves them. Real
Kubernetes also enforces the account's mountable secrets (an annotation-driven, legacy rule);
kubelab does not.
"""
from __future__ import annotations

from .attributes import Attributes
from .chain import AdmissionPlugin

DEFAULT_SERVICE_ACCOUNT = "default"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
VOLUME_PREFIX = "kube-api-access-"
MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_EXPIRATION_SECONDS = 3607   # one hour, plus upstream's 7 s "warn only" margin
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class ServiceAccount(AdmissionPlugin):
    name = "ServiceAccount"
    operations = ("CREATE",)
    resources = ("pods",)

    def admit(self, attributes: Attributes) -> None:
        if attributes.subresource or MIRROR_POD_ANNOTATION in \
                ((attributes.object.get("metadata") or {}).get("annotations") or {}):
            return   # a mirror pod (a static pod the kubelet mirrors) runs as no service account
        spec = attributes.object.setdefault("spec", {})
        account_name = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
        spec["serviceAccountName"] = account_name
        spec["serviceAccount"] = account_name  # the deprecated twin field, as v1 conversion fills it
        account = attributes.lookup("serviceaccounts", attributes.namespace, account_name)
        if account is None:
            attributes.forbid(f"error looking up service account {attributes.namespace}/{account_name}: "
                              f'serviceaccount "{account_name}" not found')
        if should_automount(spec, account):
            mount_token(spec, attributes.rng)


def should_automount(spec: dict, account: dict) -> bool:
    """The pod's own setting wins, then the account's, then yes."""
    if spec.get("automountServiceAccountToken") is not None:
        return bool(spec["automountServiceAccountToken"])
    if account.get("automountServiceAccountToken") is not None:
        return bool(account["automountServiceAccountToken"])
    return True


def token_volume(name: str) -> dict:
    """The projected volume upstream adds: token, CA bundle, namespace."""
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
        {"configMap": {"name": ROOT_CA_CONFIGMAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ]}}


def mount_token(spec: dict, rng) -> None:
    """Add the kube-api-access volume (once) and mount it in every container that lacks one."""
    volumes = spec.setdefault("volumes", [])
    existing = [volume["name"] for volume in volumes if volume.get("name", "").startswith(VOLUME_PREFIX)]
    volume_name = existing[0] if existing else VOLUME_PREFIX + "".join(rng.choice(_ALPHABET) for _ in range(5))
    mounted = False
    for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        mounts = container.setdefault("volumeMounts", [])
        if not any(mount.get("mountPath") == MOUNT_PATH for mount in mounts):
            mounts.append({"name": volume_name, "readOnly": True, "mountPath": MOUNT_PATH})
            mounted = True
        elif not mounts:
            container.pop("volumeMounts")
    if mounted and not existing:
        volumes.append(token_volume(volume_name))
    if not volumes:
        spec.pop("volumes")
