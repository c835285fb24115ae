"""Service environment variables: how a container found Services before cluster DNS (upstream's
pkg/kubelet/envvars and kubelet_pods.go getServiceEnvVarMap).

Every container gets the master service's variables, from `kubernetes` in `default` — this is
how in-cluster clients (client-go's rest.InClusterConfig, CoreDNS) find the API server:

    KUBERNETES_SERVICE_HOST=10.96.0.1          KUBERNETES_SERVICE_PORT=443
    KUBERNETES_SERVICE_PORT_HTTPS=443          KUBERNETES_PORT=tcp://10.96.0.1:443
    KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443  (_PROTO=tcp, _PORT=443, _ADDR=10.96.0.1)

and, when the pod's `spec.enableServiceLinks` is true (the default), the same docker-link-style
set for each Service of its own namespace (`my-db` → `MY_DB_SERVICE_HOST`, ...). Only Services
with a ClusterIP count (not headless "None", not ExternalName). The kubelet reads Services from
its informer, so a Service made after the container started is not in its environment — the
reason DNS replaced these variables. Until that informer has listed once, no container can be
configured (upstream: "services have not yet been read at least once, cannot construct envvars").
Explicit `env` and `envFrom` win over these (container_config.environment applies them after).
"""
from __future__ import annotations

from sys import intern

MASTER_NAMESPACE = "default"
MASTER_SERVICES = ("kubernetes",)
NOT_SYNCED = "services have not yet been read at least once, cannot construct envvars"


def variable_name(name: str) -> str:
    """makeEnvVariableName: upper case, '-' → '_'."""
    return name.replace("-", "_").upper()


def is_service_ip_set(service: dict) -> bool:
    cluster_ip = (service.get("spec") or {}).get("clusterIP") or ""
    return cluster_ip not in ("", "None")


def from_services(services: list[dict]) -> dict[str, str]:
    """envvars.FromServices: each Service's *_SERVICE_HOST/_PORT and its link variables."""
    env: dict[str, str] = {}
    for service in services:
        if not is_service_ip_set(service):
            continue
        spec = service["spec"]
        ports = spec.get("ports") or []
        if not ports:
            continue
        prefix = variable_name(service["metadata"]["name"])
        cluster_ip = spec["clusterIP"]
        env[f"{prefix}_SERVICE_HOST"] = cluster_ip
        env[f"{prefix}_SERVICE_PORT"] = str(ports[0]["port"])
        for port in ports:   # named ports (only the first may be unnamed)
            if port.get("name"):
                env[f"{prefix}_SERVICE_PORT_{variable_name(port['name'])}"] = str(port["port"])
        env.update(link_variables(prefix, cluster_ip, ports))
    return env


def link_variables(prefix: str, cluster_ip: str, ports: list[dict]) -> dict[str, str]:
    """makeLinkVariables: docker's link variables (the first port also as <PREFIX>_PORT)."""
    env: dict[str, str] = {}
    for index, port in enumerate(ports):
        protocol = port.get("protocol") or "TCP"
        host_port = f"[{cluster_ip}]:{port['port']}" if ":" in cluster_ip else f"{cluster_ip}:{port['port']}"
        url = f"{protocol.lower()}://{host_port}"
        if index == 0:
            env[f"{prefix}_PORT"] = url
        port_prefix = f"{prefix}_PORT_{port['port']}_{protocol.upper()}"
        env[port_prefix] = url
        env[f"{port_prefix}_PROTO"] = protocol.lower()
        env[f"{port_prefix}_PORT"] = str(port["port"])
        env[f"{port_prefix}_ADDR"] = cluster_ip
    return env


def service_env(namespace: str, enable_service_links: bool, services: list[dict]) -> dict[str, str]:
    """getServiceEnvVarMap: the master services from `default` always, the pod's namespace's
    Services when service links are enabled (one of the pod's namespace named `kubernetes` wins
    over the master's, as upstream's map does whatever the listing order)."""
    chosen: dict[str, dict] = {}
    for service in services:
        if not is_service_ip_set(service):
            continue
        name, service_namespace = service["metadata"]["name"], service["metadata"].get("namespace")
        if service_namespace == MASTER_NAMESPACE and name in MASTER_SERVICES:
            chosen.setdefault(name, service)
        elif service_namespace == namespace and enable_service_links:
            chosen[name] = service
    # Every pod of a namespace gets the same variables: one copy of each name and value, not
    # one per container (issue 13's memory per pod; a string is never changed, only replaced).
    env = from_services([chosen[name] for name in sorted(chosen)])
    return {intern(name): intern(value) for name, value in env.items()}
