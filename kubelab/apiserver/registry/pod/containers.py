"""Pod validation of what the kubelet acts on: probes, lifecycle hooks, volume mounts and env
references, with upstream's rules and messages (pkg/apis/core/validation: validateProbe,
validateHandler, validateVolumeMounts, validateEnvVarValueFrom).

    a probe or hook with no handler        Required value: must specify a handler type
    with two handlers                      Forbidden: may not specify more than 1 handler type
    liveness/startup successThreshold > 1  Invalid value: 2: must be 1
    a negative timing field                Invalid value: -1: must be greater than or equal to 0
    a volumeMount naming no volume         Not found: "config"
    two volumes of one name                Duplicate value: "data"
    valueFrom with two sources             Invalid value: "": may not have more than one field specified at a time
"""
from __future__ import annotations

from ....api import errors

HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
HOOK_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
TIMINGS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold",
           "terminationGracePeriodSeconds")


def _handler(obj: dict, field: str, kinds: tuple[str, ...]) -> list[dict]:
    present = [kind for kind in kinds if obj.get(kind) is not None]
    if not present:
        return [errors.cause(field, "FieldValueRequired", "Required value: must specify a handler type")]
    return [errors.forbidden_field(f"{field}.{kind}", "may not specify more than 1 handler type")
            for kind in present[1:]]


def validate_probe(probe: dict | None, field: str, kind: str) -> list[dict]:
    if probe is None:
        return []
    causes = _handler(probe, field, HANDLERS)
    for timing in TIMINGS:
        value = probe.get(timing)
        if isinstance(value, int) and value < 0:
            causes.append(errors.invalid_value(f"{field}.{timing}", value, "must be greater than or equal to 0"))
    if kind in ("livenessProbe", "startupProbe") and probe.get("successThreshold", 1) != 1:
        causes.append(errors.invalid_value(f"{field}.successThreshold", probe["successThreshold"], "must be 1"))
    return causes


def validate_container_runtime_fields(container: dict, field: str, volume_names: set[str] | None) -> list[dict]:
    causes = []
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        causes += validate_probe(container.get(kind), f"{field}.{kind}", kind)
    for hook in ("preStop", "postStart"):
        handler = (container.get("lifecycle") or {}).get(hook)
        if handler is not None:
            causes += _handler(handler, f"{field}.lifecycle.{hook}", HOOK_HANDLERS)
    if volume_names is not None:
        for i, mount in enumerate(container.get("volumeMounts") or []):
            if mount.get("name") not in volume_names:
                causes.append(errors.cause(f"{field}.volumeMounts[{i}].name", "FieldValueNotFound",
                                           f'Not found: "{mount.get("name")}"'))
    for i, variable in enumerate(container.get("env") or []):
        value_from = variable.get("valueFrom")
        if value_from is not None and len([k for k in value_from if value_from[k] is not None]) > 1:
            causes.append(errors.invalid_value(f"{field}.env[{i}].valueFrom", "",
                                               "may not have more than one field specified at a time"))
    return causes


def validate_volumes(spec: dict, field: str) -> list[dict]:
    causes, seen = [], set()
    for i, volume in enumerate(spec.get("volumes") or []):
        if volume.get("name") in seen:
            causes.append(errors.duplicate(f"{field}.volumes[{i}].name", volume.get("name")))
        seen.add(volume.get("name"))
    return causes
