"""Endpoints (core/v1): a port's protocol defaults to TCP; the endpoints controller writes the rest.

Upstream: pkg/registry/core/endpoint/strategy.go.
"""
from __future__ import annotations

from .. import defaults
from .strategy import Strategy


class EndpointsStrategy(Strategy):
    plural = "endpoints"

    def default(self, obj: dict) -> None:
        defaults.endpoints(obj)


STRATEGY = EndpointsStrategy()
