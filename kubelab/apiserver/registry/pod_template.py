"""What every workload kind checks of its pod template (upstream's ValidatePodTemplateSpec and
the workload validators' shared lines), and how it defaults one.

    labels valid, the pod spec valid (validation.validate_pod_spec), restartPolicy Always
    (NotSupported), no activeDeadlineSeconds ("activeDeadlineSeconds in <Kind> is not Supported")

Used by the ReplicationController, DaemonSet and StatefulSet strategies; Deployments and
ReplicaSets still have theirs in validation.py (issue 7 moves them).
"""
from __future__ import annotations

from ...api import errors
from .. import defaults
from ..validation import validate_labels, validate_pod_spec


def default_template(template: dict | None) -> None:
    """Default the template's pod spec as a pod's (SetDefaults_PodSpec)."""
    if isinstance(template, dict):
        defaults.pod_spec(template.setdefault("spec", {}))


def template_labels(template: dict | None) -> dict:
    return ((template or {}).get("metadata") or {}).get("labels") or {}


def validate_template(template: dict | None, field: str, kind: str, pod_spec: bool = True) -> list[dict]:
    """The shared checks of a workload's template at `field` ("spec.template")."""
    if not isinstance(template, dict) or not template:
        return [errors.required(field)]
    causes = validate_labels(template_labels(template), f"{field}.metadata.labels")
    spec = template.get("spec") or {}
    if pod_spec:
        causes += [c for c in validate_pod_spec(spec, f"{field}.spec")
                   if c.get("field") != f"{field}.spec.restartPolicy"]
    if spec.get("restartPolicy") != "Always":
        causes.append(errors.not_supported(f"{field}.spec.restartPolicy", spec.get("restartPolicy"), ["Always"]))
    if spec.get("activeDeadlineSeconds") is not None:
        causes.append(errors.forbidden_field(f"{field}.spec.activeDeadlineSeconds",
                                             f"activeDeadlineSeconds in {kind} is not Supported"))
    return causes


def nonnegative(value, field: str) -> list[dict]:
    """ValidateNonnegativeField."""
    if value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return [errors.invalid_value(field, value, "must be greater than or equal to 0")]
    return []


def validate_label_selector(chosen, field: str, kind: str, required: bool) -> tuple[list[dict], list | None]:
    """A LabelSelector's checks (required, well-formed, non-empty); its requirements or None."""
    from ...objects import selector
    if chosen is None:
        return ([errors.required(field)] if required else []), None
    try:
        requirements = selector.from_label_selector(chosen)
    except (KeyError, TypeError, AttributeError):
        return [errors.invalid_value(field, chosen, "invalid label selector")], None
    causes = validate_labels((chosen or {}).get("matchLabels") or {}, f"{field}.matchLabels")
    if not requirements:
        causes.append(errors.invalid_value(field, chosen, f"empty selector is invalid for {kind.lower()}"))
    return causes, requirements


def selector_matches_template(requirements: list | None, template: dict | None) -> list[dict]:
    """"`selector` does not match template `labels`" (a nil selector matches nothing)."""
    from ...objects import selector
    labels = template_labels(template)
    if requirements is None or not requirements or not selector.matches(requirements, labels):
        return [errors.invalid_value("spec.template.metadata.labels", labels,
                                     "`selector` does not match template `labels`")]
    return []


def int_or_percent(value, field: str) -> list[dict]:
    """ValidatePositiveIntOrPercent and IsNotMoreThan100Percent."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return [errors.invalid_value(field, value, "must be an integer or percentage (e.g '5%')")]
    if isinstance(value, int):
        return nonnegative(value, field)
    if not value.endswith("%") or not value[:-1].isdigit():
        return [errors.invalid_value(field, value, "a valid percent string must be a numeric string "
                                     "followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
                                     "validation is '[0-9]+%')")]
    if int(value[:-1]) > 100:
        return [errors.invalid_value(field, value, "must not be greater than 100%")]
    return []


def int_or_percent_value(value) -> int:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1])
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
