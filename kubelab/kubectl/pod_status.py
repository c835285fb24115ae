"""READY, STATUS and RESTARTS of a pod: the API server's printer (kubelab.apiserver.printers)."""
from kubelab.apiserver.printers.pod_status import pod_summary  # noqa: F401
