"""ServiceAccounts: an identity for processes in pods ("system:serviceaccount:<ns>:<name>").

A ServiceAccount object holds almost nothing: since v1.24 its tokens are not Secrets but
short-lived JWTs from the TokenRequest API (`serviceaccounts/<name>/token`, see
subresources/token.py). Validation checks the references it may carry.
"""
from __future__ import annotations

from ...api import errors
from .strategy import Strategy


def validate(obj: dict) -> list[dict]:
    causes = []
    for field in ("secrets", "imagePullSecrets"):
        for index, reference in enumerate(obj.get(field) or []):
            if not isinstance(reference, dict) or not reference.get("name"):
                causes.append(errors.required(f"{field}[{index}].name"))
    return causes


class ServiceAccountStrategy(Strategy):
    plural = "serviceaccounts"
    returns_deleted_object = True   # upstream's serviceaccount REST answers DELETE with the object

    def validate(self, obj: dict) -> list[dict]:
        return validate(obj)


STRATEGY = ServiceAccountStrategy()
