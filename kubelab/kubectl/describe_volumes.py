"""The Volumes section of `kubectl describe pod` (and of pod templates).

Each volume is its name, then what kind of source it is, in upstream's own words ("EmptyDir (a
temporary directory that shares a pod's lifetime)"), then the source's few fields. The
service account token volume every pod gets shows as Projected: a token, the cluster's CA
bundle and the pod's namespace.

Left out: the cloud and network volume types (NFS, iSCSI, CSI, ...), which kubelab pods do not
use; they print as `<unknown>`.
"""
from __future__ import annotations

from . import quantities
from .describe_writer import Writer


def volumes(w: Writer, items: list[dict] | None, space: str = "") -> None:
    if not items:
        w.line(0, f"{space}Volumes:\t<none>")
        return
    w.line(0, f"{space}Volumes:")
    for volume in items:
        w.line(1, f"{' ' if space else ''}{volume.get('name', '')}:")
        for line in _volume_lines(volume):
            w.line(2, line)


def _volume_lines(volume: dict) -> list[str]:
    if "emptyDir" in volume:
        source = volume["emptyDir"] or {}
        limit = quantities.canonical(source["sizeLimit"]) if source.get("sizeLimit") else "<unset>"
        return ["Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)",
                f"Medium:\t{source.get('medium', '')}", f"SizeLimit:\t{limit}"]
    if "hostPath" in volume:
        return ["Type:\tHostPath (bare host directory volume)", f"Path:\t{volume['hostPath'].get('path', '')}",
                f"HostPathType:\t{volume['hostPath'].get('type') or '<none>'}"]
    if "configMap" in volume:
        return ["Type:\tConfigMap (a volume populated by a ConfigMap)", f"Name:\t{volume['configMap'].get('name', '')}",
                f"Optional:\t{str(bool(volume['configMap'].get('optional'))).lower()}"]
    if "secret" in volume:
        return ["Type:\tSecret (a volume populated by a Secret)",
                f"SecretName:\t{volume['secret'].get('secretName', '')}",
                f"Optional:\t{str(bool(volume['secret'].get('optional'))).lower()}"]
    if "persistentVolumeClaim" in volume:
        claim = volume["persistentVolumeClaim"]
        return ["Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
                f"ClaimName:\t{claim.get('claimName', '')}", f"ReadOnly:\t{str(bool(claim.get('readOnly'))).lower()}"]
    if "projected" in volume:
        lines = ["Type:\tProjected (a volume that contains injected data from multiple sources)"]
        for source in (volume["projected"] or {}).get("sources") or []:
            if source.get("serviceAccountToken") is not None:
                lines.append(f"TokenExpirationSeconds:\t{source['serviceAccountToken'].get('expirationSeconds', 0)}")
            elif source.get("configMap") is not None:
                optional = source["configMap"].get("optional")
                lines += [f"ConfigMapName:\t{source['configMap'].get('name', '')}",
                          f"ConfigMapOptional:\t{'<nil>' if optional is None else str(optional).lower()}"]
            elif source.get("downwardAPI") is not None:
                lines.append("DownwardAPI:\ttrue")
            elif source.get("secret") is not None:
                optional = source["secret"].get("optional")
                lines += [f"SecretName:\t{source['secret'].get('name', '')}",
                          f"SecretOptionalName:\t{'<nil>' if optional is None else str(optional).lower()}"]
        return lines
    return ["<unknown>"]
