"""The columns of `kubectl get`: computed by the API server's printers, as in Kubernetes.

Real kubectl asks the API server for a Table (`as=Table`) and only pads and prints it; the
column logic lives in k8s.io/kubernetes/pkg/printers. kubelab keeps it in the same layer,
kubelab.api.printers (below both the API server and kubectl), and kubelab's kubectl (which
runs in-process, without HTTP) imports it from there.
"""
from ..api.printers.tables import (NAME_COLUMN, TABLES, Column, Row, deployment_row,  # noqa: F401
                                   endpoints_row, event_row, format_endpoints, format_labels,
                                   format_selector, namespace_row, node_roles, node_row,
                                   node_status, pod_row, replicaset_row, service_external_ip,
                                   service_row)
