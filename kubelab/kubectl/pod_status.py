"""READY, STATUS and RESTARTS of a pod: the API server's printer (kubelab.api.printers)."""
from ..api.printers.pod_status import pod_summary  # noqa: F401
