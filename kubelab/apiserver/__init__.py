"""The API server: the only component that talks to the store (see server.py)."""
from ..api.errors import ApiError
from ..api.request import Request, TraceEntry
from ..api.resources import RESOURCES, Resource, lookup
from .server import APIServer

__all__ = ["APIServer", "ApiError", "Request", "RESOURCES", "Resource", "TraceEntry", "lookup"]
