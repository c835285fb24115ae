"""DaemonSet (apps/v1): upstream's pkg/registry/apps/daemonset/strategy.go and its validation.

Defaulting (SetDefaults_DaemonSet): updateStrategy RollingUpdate with maxUnavailable 1 and
maxSurge 0, revisionHistoryLimit 10, the template's pod spec as a pod's. Validation
(ValidateDaemonSetSpec, v1.32): the selector well-formed and not empty ("empty selector is
invalid for daemonset"), the template's labels matching it, a valid pod template with
restartPolicy Always and no activeDeadlineSeconds, minReadySeconds and revisionHistoryLimit not
negative, updateStrategy OnDelete or RollingUpdate, whose maxUnavailable and maxSurge are
ints or percents up to 100% of which exactly one is non-zero. The selector is immutable.
Status is the controller's: cleared on create, kept on update.
"""
from __future__ import annotations

from ...api import errors
from .pod_template import (default_template, int_or_percent, int_or_percent_value, nonnegative,
                           selector_matches_template, validate_label_selector, validate_template)
from .strategy import Strategy


class DaemonSetStrategy(Strategy):
    plural = "daemonsets"

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        strategy = spec.setdefault("updateStrategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", 1)
            rolling.setdefault("maxSurge", 0)
        spec.setdefault("revisionHistoryLimit", 10)
        default_template(spec.get("template"))

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                         "desiredNumberScheduled": 0, "numberReady": 0}

    def validate(self, obj: dict) -> list[dict]:
        spec = obj.get("spec") or {}
        selector_causes, requirements = validate_label_selector(spec.get("selector"), "spec.selector",
                                                                "DaemonSet", False)
        empty = [c for c in selector_causes if "empty selector" in c["message"]]
        causes = [c for c in selector_causes if c not in empty]
        causes += selector_matches_template(requirements, spec.get("template")) + empty
        causes += validate_template(spec.get("template"), "spec.template", "DaemonSet")
        causes += nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
        causes += validate_update_strategy(spec.get("updateStrategy") or {})
        return causes + nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        if (obj.get("spec") or {}).get("selector") != (old.get("spec") or {}).get("selector"):
            return [errors.invalid_value("spec.selector", obj["spec"].get("selector"), "field is immutable")]
        return []


STRATEGY = DaemonSetStrategy()


def validate_update_strategy(strategy: dict) -> list[dict]:
    """ValidateDaemonSetUpdateStrategy."""
    field = "spec.updateStrategy"
    if strategy.get("type") == "OnDelete":
        return []
    if strategy.get("type") != "RollingUpdate":
        return [errors.not_supported(field, strategy.get("type"), ["RollingUpdate", "OnDelete"])]
    rolling = strategy.get("rollingUpdate")
    if rolling is None:
        return [errors.required(f"{field}.rollingUpdate")]
    causes = []
    for name in ("maxUnavailable", "maxSurge"):
        causes += int_or_percent(rolling.get(name, 0), f"{field}.rollingUpdate.{name}")
    unavailable = int_or_percent_value(rolling.get("maxUnavailable", 0)) != 0
    surge = int_or_percent_value(rolling.get("maxSurge", 0)) != 0
    if unavailable and surge:
        causes.append(errors.invalid_value(f"{field}.rollingUpdate.maxSurge", rolling.get("maxSurge"),
                                           "may not be set when maxUnavailable is non-zero"))
    elif not unavailable and not surge:
        causes.append(errors.cause(f"{field}.rollingUpdate.maxUnavailable", "FieldValueRequired",
                                   "Required value: cannot be 0 when maxSurge is 0"))
    return causes
