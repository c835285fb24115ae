"""The API server: the only component that talks to the store (see server.py)."""
from .errors import ApiError
from .request import Request, TraceEntry
from .resources import RESOURCES, Resource, lookup
from .server import APIServer

__all__ = ["APIServer", "ApiError", "Request", "RESOURCES", "Resource", "TraceEntry", "lookup"]
