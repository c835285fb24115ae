"""Endpoints (core/v1): a port's protocol defaults to TCP; the endpoints controller writes the rest.

Upstream: pkg/registry/core/endpoint/strategy.go.
"""
from __future__ import annotations

from .strategy import Strategy


class EndpointsStrategy(Strategy):
    plural = "endpoints"

    def default(self, obj: dict) -> None:
        for subset in obj.get("subsets") or []:
            for port in subset.get("ports") or []:
                port.setdefault("protocol", "TCP")


STRATEGY = EndpointsStrategy()
