"""ControllerRevision (apps/v1): one stored version of a DaemonSet's or StatefulSet's template.

Upstream's pkg/registry/apps/controllerrevision: `data` is required ("data is mandatory") and
may never change, `revision` is not negative. The controllers write them (controllers/history.py);
`kubectl rollout history` reads them.
"""
from __future__ import annotations

from ...api import errors
from .pod_template import nonnegative
from .strategy import Strategy


class ControllerRevisionStrategy(Strategy):
    plural = "controllerrevisions"

    def validate(self, obj: dict) -> list[dict]:
        causes = [] if obj.get("data") is not None else \
            [errors.cause("data", "FieldValueRequired", "Required value: data is mandatory")]
        return causes + nonnegative(obj.get("revision", 0), "revision")

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        if obj.get("data") != old.get("data"):
            return [errors.invalid_value("data", "", "field is immutable")]
        return []


STRATEGY = ControllerRevisionStrategy()
