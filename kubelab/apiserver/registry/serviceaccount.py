"""ServiceAccounts: an identity for processes in pods ("system:serviceaccount:<ns>:<name>").

A ServiceAccount object holds almost nothing: since v1.24 its tokens are not Secrets but
short-lived JWTs from the TokenRequest API (`serviceaccounts/<name>/token`, see
subresources/token.py). Validation checks the references it may carry.
"""
from __future__ import annotations

from ...api import errors


def validate(obj: dict) -> list[dict]:
    causes = []
    for field in ("secrets", "imagePullSecrets"):
        for index, reference in enumerate(obj.get(field) or []):
            if not isinstance(reference, dict) or not reference.get("name"):
                causes.append(errors.required(f"{field}[{index}].name"))
    return causes
