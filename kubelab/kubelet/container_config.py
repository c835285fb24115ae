"""What a container is started with: its environment and its volumes (upstream's
kubelet_pods.go makeEnvironmentVariables and the volume manager, much reduced).

    env: value | valueFrom {configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef}
    envFrom: configMapRef | secretRef (with prefix)
    volumes: emptyDir (one per pod, shared by its containers), configMap, secret, hostPath,
             persistentVolumeClaim (its Bound PV's hostPath, local path or CSI handle, kept on the node),
             projected (service-account token, configMap, secret, downwardAPI), downwardAPI

A reference to a ConfigMap or Secret that doesn't exist (and isn't `optional`) stops the
container before it is created: CreateContainerConfigError with upstream's message
(`configmap "app-config" not found`, `couldn't find key mode in ConfigMap default/app-config`).
A volume whose source is missing stops the pod at mounting: FailedMount,
`MountVolume.SetUp failed for volume "config" : configmap "app-config" not found`.
`$(VAR)` in command, args and env values expands from the variables defined before it.

The service-account volume (kube-api-access-xxxxx) projects kube-root-ca.crt's ca.crt: until
the root-ca-cert-publisher has made it in the pod's namespace the mount fails, FailedMount
`configmap "kube-root-ca.crt" not found`, and the pod stays ContainerCreating, as upstream's.

Left out: subPath, read-only enforcement, file modes, and refreshing mounted ConfigMaps when they change.
"""
from __future__ import annotations

import base64
import re
from typing import Callable

from ..objects import meta, quantity

ROOT_CA = "kube-root-ca.crt"   # published into every namespace by upstream's root-ca-cert-publisher
Lookup = Callable[[str, str, str], dict | None]   # (resource, namespace, name) -> object or None


class ConfigError(Exception):
    """A container's configuration can't be built (CreateContainerConfigError)."""


class MountError(Exception):
    """A volume can't be set up (FailedMount)."""


def _data(obj: dict, kind: str) -> dict[str, str]:
    if kind == "Secret":
        return {key: base64.b64decode(value).decode(errors="replace") for key, value in (obj.get("data") or {}).items()}
    return dict(obj.get("data") or {})


def _source(lookup: Lookup, kind: str, namespace: str, name: str, optional: bool) -> dict[str, str] | None:
    obj = lookup("secrets" if kind == "Secret" else "configmaps", namespace, name)
    if obj is None:
        if optional:
            return None
        raise ConfigError(f'{kind.lower()} "{name}" not found')
    return _data(obj, kind)


def field_value(pod: dict, path: str) -> str:
    """A downward-API fieldRef: metadata.name, metadata.labels['app'], status.podIP, ..."""
    match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if match:
        return (pod["metadata"].get(match.group(1)) or {}).get(match.group(2), "")
    values = {"metadata.name": meta.name(pod), "metadata.namespace": meta.namespace(pod),
              "metadata.uid": meta.uid(pod), "spec.nodeName": pod["spec"].get("nodeName", ""),
              "spec.serviceAccountName": pod["spec"].get("serviceAccountName", "default"),
              "status.podIP": (pod.get("status") or {}).get("podIP", ""),
              "status.hostIP": (pod.get("status") or {}).get("hostIP", ""),
              "status.podIPs": ",".join(ip["ip"] for ip in (pod.get("status") or {}).get("podIPs") or []),
              "status.hostIPs": ",".join(ip["ip"] for ip in (pod.get("status") or {}).get("hostIPs") or [])}
    return values.get(path, "")


def resource_value(container: dict, ref: dict, node_capacity: dict) -> str:
    """A resourceFieldRef: limits.cpu, requests.memory... (a missing limit is the node's capacity)."""
    kind, _, resource = ref["resource"].partition(".")
    amount = ((container.get("resources") or {}).get(kind) or {}).get(resource)
    if amount is None:
        amount = node_capacity.get(resource, "0") if kind == "limits" else "0"
    divisor = ref.get("divisor") or ("1" if resource != "cpu" else "1")
    if resource == "cpu":
        return str(-(-quantity.milli(amount) // quantity.milli(divisor)))   # rounded up, as upstream
    return str(-(-quantity.value(amount) // max(1, quantity.value(divisor))))


def expand(text: str, env: dict[str, str]) -> str:
    """$(VAR) from `env`; $$(VAR) stays literal; an unknown $(VAR) is left as written."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def environment(pod: dict, container: dict, service_env: dict[str, str], lookup: Lookup,
                node_capacity: dict) -> dict[str, str]:
    """The container's variables: service links, then envFrom, then env (later wins)."""
    namespace = meta.namespace(pod)
    env: dict[str, str] = dict(service_env)
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if field in source:
                data = _source(lookup, kind, namespace, source[field]["name"], source[field].get("optional", False))
                env.update({prefix + key: value for key, value in (data or {}).items()})
    for variable in container.get("env") or []:
        name, value_from = variable["name"], variable.get("valueFrom")
        if value_from is None:
            env[name] = expand(variable.get("value", ""), env)
            continue
        for kind, field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            if field in value_from:
                ref = value_from[field]
                data = _source(lookup, kind, namespace, ref["name"], ref.get("optional", False))
                if data is None:
                    break
                if ref["key"] not in data:
                    if ref.get("optional", False):
                        break
                    raise ConfigError(f"couldn't find key {ref['key']} in {kind} {namespace}/{ref['name']}")
                env[name] = data[ref["key"]]
        if "fieldRef" in value_from:
            env[name] = field_value(pod, value_from["fieldRef"]["fieldPath"])
        if "resourceFieldRef" in value_from:
            env[name] = resource_value(container, value_from["resourceFieldRef"], node_capacity)
    return env


def volume_files(pod: dict, volume: dict, lookup: Lookup, token: Callable[[dict], str],
                 host_paths: dict[str, dict]) -> dict[str, str]:
    """The files one volume shows (a fresh dict; emptyDir and hostPath share theirs)."""
    namespace = meta.namespace(pod)
    if "emptyDir" in volume:
        return {}
    if "hostPath" in volume:
        return host_paths.setdefault(volume["hostPath"]["path"], {})
    for kind, field, name_field in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName")):
        if field in volume:
            source = volume[field]
            try:
                data = _source(lookup, kind, namespace, source.get(name_field, ""), source.get("optional", False))
            except ConfigError as error:
                raise MountError(f'MountVolume.SetUp failed for volume "{volume["name"]}" : {error}') from None
            return _project(data or {}, source.get("items"))
    if "projected" in volume:
        files: dict[str, str] = {}
        for source in volume["projected"].get("sources") or []:
            if "serviceAccountToken" in source:
                try:
                    files[source["serviceAccountToken"].get("path", "token")] = token(source["serviceAccountToken"])
                except MountError as error:
                    raise MountError(f'MountVolume.SetUp failed for volume "{volume["name"]}" : {error}') from None
            for kind, field in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if field in source:
                    try:
                        data = _source(lookup, kind, namespace, source[field]["name"],
                                       source[field].get("optional", False))
                    except ConfigError as error:
                        raise MountError(f'MountVolume.SetUp failed for volume "{volume["name"]}" : {error}') from None
                    files.update(_project(data or {}, source[field].get("items")))
            if "downwardAPI" in source:
                files.update(_downward(pod, source["downwardAPI"]))
        return files
    if "downwardAPI" in volume:
        return _downward(pod, volume["downwardAPI"])
    if "persistentVolumeClaim" in volume:
        return host_paths.setdefault(_claimed_path(pod, volume, lookup), {})
    raise MountError(f'MountVolume.SetUp failed for volume "{volume["name"]}" : volume type not modelled by '
                     f'kubelab')


def _claimed_path(pod: dict, volume: dict, lookup: Lookup) -> str:
    """Where a Bound claim's PersistentVolume keeps its files on this node; MountError, in the
    volume manager's words, while the claim is missing or unbound (the kubelet retries)."""
    namespace, claim_name = meta.namespace(pod), volume["persistentVolumeClaim"].get("claimName", "")
    claim = lookup("persistentvolumeclaims", namespace, claim_name)
    if claim is None:
        problem = f'failed to fetch PVC from API server: persistentvolumeclaims "{claim_name}" not found'
    elif (claim.get("status") or {}).get("phase") != "Bound" or not claim["spec"].get("volumeName"):
        problem = "PVC is not bound"
    else:
        pv = lookup("persistentvolumes", "", claim["spec"]["volumeName"])
        spec = (pv or {}).get("spec") or {}
        for source in ("hostPath", "local"):
            if spec.get(source):
                return spec[source]["path"]
        if spec.get("csi"):
            return f"csi/{spec['csi'].get('driver')}/{spec['csi'].get('volumeHandle')}"
        problem = f'failed to fetch PV {claim["spec"]["volumeName"]} from API server: persistentvolumes ' \
                  f'"{claim["spec"]["volumeName"]}" not found'
    name = volume["name"]
    raise MountError(f"Unable to attach or mount volumes: unmounted volumes=[{name}], unattached volumes=[{name}], "
                     f"failed to process volumes=[{name}]: error processing PVC {namespace}/{claim_name}: {problem}")


def _project(data: dict[str, str], items: list | None) -> dict[str, str]:
    if not items:
        return dict(data)
    return {item.get("path", item["key"]): data[item["key"]] for item in items if item["key"] in data}


def _downward(pod: dict, source: dict) -> dict[str, str]:
    return {item["path"]: field_value(pod, item["fieldRef"]["fieldPath"])
            for item in source.get("items") or [] if "fieldRef" in item}


def container_mounts(container: dict, pod_volumes: dict[str, dict]) -> dict[str, dict]:
    """mountPath -> the volume's files, for one container's volumeMounts."""
    return {mount["mountPath"]: pod_volumes[mount["name"]] for mount in container.get("volumeMounts") or []
            if mount["name"] in pod_volumes}


def container_config(container: dict, env: dict[str, str], pod_volumes: dict[str, dict]):
    """CRI's ContainerConfig for one container: command and args with $(VAR) expanded, its env
    and mounts, its memory limit, and whether it keeps a stdin open and runs on a terminal."""
    from .cri import ContainerConfig
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    return ContainerConfig(command=[expand(word, env) for word in container.get("command") or []] or None,
                           args=[expand(word, env) for word in container.get("args") or []] or None,
                           env=env, mounts=container_mounts(container, pod_volumes),
                           memory_limit=quantity.value(limit) if limit else None,
                           stdin=bool(container.get("stdin")), stdin_once=bool(container.get("stdinOnce")),
                           tty=bool(container.get("tty")))
