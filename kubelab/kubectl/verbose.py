"""What `kubectl -v=6` shows: the HTTP request behind each step of a command.

    GET    /apis/apps/v1/namespaces/default/deployments/nginx   404
    POST   /apis/apps/v1/namespaces/default/deployments          201

kubectl is an API client and nothing more: every command is a few REST calls. In a notebook
the calls go through the in-process transport, so this reads them back from the API
server's request records and prints the method, path and status a real kubectl would log.
"""
from __future__ import annotations

from ..api.request import Request
from ..client.http import path_of

METHODS = {"get": "GET", "list": "GET", "watch": "GET", "create": "POST", "update": "PUT",
           "patch": "PATCH", "delete": "DELETE", "deletecollection": "DELETE"}


def http_line(record) -> str:
    """One request record as `METHOD PATH CODE`."""
    request = Request(record.verb, record.resource, record.namespace, record.name, record.subresource)
    path = path_of(request) + ("?watch=true" if record.verb == "watch" else "")
    code = 201 if record.verb == "create" and record.code == 200 else record.code
    return f"{METHODS.get(record.verb, record.verb.upper()):<6} {path}   {code}"


def http_log(records) -> str:
    """Several records, one line each, in the order the API server served them."""
    return "\n".join(http_line(record) for record in records)
