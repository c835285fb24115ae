"""API errors as Kubernetes returns them: a `Status` object with code, reason and details.

Every refusal the API server makes is one of these, so a client (kubelab's or the official
one) can read `.code`, `.reason` and `details.causes[].field` exactly as it would from a real
cluster. The messages are upstream's (k8s.io/apimachinery/pkg/api/errors).
"""
from __future__ import annotations


class ApiError(Exception):
    """A refused request; `.status` is the Kubernetes Status dict sent to the client."""

    def __init__(self, status: dict):
        super().__init__(status.get("message", ""))
        self.status = status

    code = property(lambda self: self.status.get("code", 500))
    reason = property(lambda self: self.status.get("reason", ""))
    message = property(lambda self: self.status.get("message", ""))


def status(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code}
    if details:
        out["details"] = details
    return out


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> ApiError:
    return ApiError(status(404, "NotFound", f'{_qualified(resource, group)} "{name}" not found',
                           {"name": name, "group": group, "kind": resource}))


def already_exists(resource: str, group: str, name: str) -> ApiError:
    return ApiError(status(409, "AlreadyExists", f'{_qualified(resource, group)} "{name}" already exists',
                           {"name": name, "group": group, "kind": resource}))


def conflict(resource: str, group: str, name: str, why: str) -> ApiError:
    return ApiError(status(409, "Conflict",
                           f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {why}',
                           {"name": name, "group": group, "kind": resource}))


STALE = "the object has been modified; please apply your changes to the latest version and try again"


def invalid(kind: str, group: str, name: str, causes: list[dict]) -> ApiError:
    """422: `causes` are {"field", "reason", "message"} dicts, as field.ErrorList gives."""
    parts = [f"{c['field']}: {c['message']}" for c in causes]
    joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    qualified = f"{kind}.{group}" if group else kind
    return ApiError(status(422, "Invalid", f'{qualified} "{name}" is invalid: {joined}',
                           {"name": name, "group": group, "kind": kind, "causes": causes}))


def bad_request(message: str) -> ApiError:
    return ApiError(status(400, "BadRequest", message))


def gone(message: str) -> ApiError:
    return ApiError(status(410, "Expired", message))


def method_not_allowed(message: str) -> ApiError:
    return ApiError(status(405, "MethodNotAllowed", message))


def forbidden(resource: str, group: str, name: str, why: str) -> ApiError:
    target = f'{_qualified(resource, group)} "{name}"' if name else _qualified(resource, group)
    return ApiError(status(403, "Forbidden", f"{target} is forbidden: {why}",
                           {"name": name, "group": group, "kind": resource}))


def cause(field: str, reason: str, message: str) -> dict:
    return {"reason": reason, "message": message, "field": field}


def required(field: str) -> dict:
    return cause(field, "FieldValueRequired", "Required value")


def invalid_value(field: str, value, detail: str) -> dict:
    return cause(field, "FieldValueInvalid", f"Invalid value: {_go_repr(value)}: {detail}")


def not_supported(field: str, value, allowed: list[str]) -> dict:
    quoted = ", ".join(f'"{a}"' for a in allowed)
    return cause(field, "FieldValueNotSupported",
                 f"Unsupported value: {_go_repr(value)}: supported values: {quoted}")


def duplicate(field: str, value) -> dict:
    return cause(field, "FieldValueDuplicate", f"Duplicate value: {_go_repr(value)}")


def forbidden_field(field: str, detail: str) -> dict:
    return cause(field, "FieldValueForbidden", f"Forbidden: {detail}")


def _go_repr(value) -> str:
    """Values printed as Go's %#v would, which is what upstream's messages show."""
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(value.items()))
        return "map[string]string{" + inner + "}"
    return str(value)
