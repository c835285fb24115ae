"""Server-side printing: the columns `kubectl get` shows, computed where Kubernetes computes them.

tables.py holds one table per resource (upstream's column names and cells), pod_status.py the
READY / STATUS / RESTARTS words of a pod, timestamps.py the AGE column. They are pure
functions of an object and a time; the HTTP front wraps them in a meta.k8s.io/v1 Table, and
kubelab's kubectl (a layer above) imports them from here.
"""
from .pod_status import pod_summary
from .tables import NAME_COLUMN, TABLES, Column, Row
from .timestamps import since

__all__ = ["Column", "NAME_COLUMN", "Row", "TABLES", "pod_summary", "since"]
