"""The API server over HTTP: what `kubelab apiserver` runs, and what real clients talk to.

    server.py        HTTPAPIServer: REST paths → Request → APIServer.handle, answers as JSON
    routes.py        a REST path and method → Request (verb, resource, namespace, name, ...)
    body.py          request bodies (JSON / YAML), 400 and 413
    watch_stream.py  a watch as a chunked stream of JSON lines, with bookmarks
    discovery.py     /version, /api, /apis, resource lists, aggregated discovery
    openapi.py       /openapi/v2 and /openapi/v3 from upstream's schemas
    health.py        /healthz, /livez, /readyz
    metrics.py       /metrics in Prometheus text
    serialized.py    one lock around the API server and its clock's callbacks
    process.py       start_apiserver(): store + clock + APIServer + HTTP, wired together
"""
from .process import RunningAPIServer, start_apiserver
from .server import HTTPAPIServer

__all__ = ["HTTPAPIServer", "RunningAPIServer", "start_apiserver"]
