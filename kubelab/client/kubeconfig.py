"""kubeconfig: where a client finds the API server and who it is there.

The same YAML file the real kubectl reads, in its real shape: a list of `clusters` (where
the API server answers), of `users` (credentials: here a bearer token), and of `contexts`
(a cluster, a user and a default namespace), one of them the `current-context`:

    apiVersion: v1
    kind: Config
    clusters:
    - name: kubelab
      cluster: {server: "http://127.0.0.1:6443"}
    users:
    - name: admin
      user: {token: "..."}
    contexts:
    - name: kubelab
      context: {cluster: kubelab, user: admin}
    current-context: kubelab

Which file: `--kubeconfig`, else the first file of $KUBECONFIG, else ~/.kube/config (kubectl's
order). The server is `https://` with the CA in `certificate-authority-data`: kubectl sends a
token to an https server only (processes/certificate.py). Real kubectl also merges every file
of $KUBECONFIG and knows client certificates, exec plugins and OIDC; kubelab reads one file,
and tokens only.
"""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class KubeConfig:
    """The resolved current context: where to connect, as whom, in which namespace."""
    server: str
    token: str = ""
    namespace: str = "default"
    context: str = ""
    user: str = ""
    certificate_authority: str = ""    # PEM of the CA that signed the server's certificate
    insecure_skip_tls_verify: bool = False


def default_path() -> str:
    """$KUBECONFIG's first file, else ~/.kube/config (as kubectl looks)."""
    for path in os.environ.get("KUBECONFIG", "").split(os.pathsep):
        if path:
            return path
    return os.path.join(os.path.expanduser("~"), ".kube", "config")


def _named(entries: list | None, name: str, what: str, path: str) -> dict:
    for entry in entries or []:
        if entry.get("name") == name:
            return entry.get(what) or {}
    raise ValueError(f'{path}: no {what} named "{name}"')


def load(path: str | None = None, context: str | None = None) -> KubeConfig:
    """Read a kubeconfig and resolve its current context (or `context`)."""
    path = path or default_path()
    with open(path, encoding="utf-8") as file:
        config = yaml.safe_load(file) or {}
    context_name = context or config.get("current-context") or ""
    if not context_name:
        raise ValueError(f"{path}: current-context is not set")
    chosen = _named(config.get("contexts"), context_name, "context", path)
    cluster = _named(config.get("clusters"), chosen.get("cluster", ""), "cluster", path)
    user = _named(config.get("users"), chosen.get("user", ""), "user", path) if chosen.get("user") else {}
    if not cluster.get("server"):
        raise ValueError(f'{path}: cluster "{chosen.get("cluster")}" has no server')
    authority = ""
    if cluster.get("certificate-authority-data"):
        authority = base64.b64decode(cluster["certificate-authority-data"]).decode("ascii")
    elif cluster.get("certificate-authority"):
        with open(os.path.join(os.path.dirname(path), cluster["certificate-authority"]), encoding="ascii") as file:
            authority = file.read()
    return KubeConfig(server=cluster["server"], token=user.get("token", ""),
                      namespace=chosen.get("namespace") or "default", context=context_name,
                      user=chosen.get("user", ""), certificate_authority=authority,
                      insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify")))


def build(server: str, token: str, user: str = "admin", cluster: str = "kubelab",
          context: str | None = None, namespace: str | None = None, certificate_authority: str = "") -> dict:
    """A kubeconfig with one cluster, one user and one context, as a dict."""
    context = context or (cluster if user == "admin" else f"{user}@{cluster}")
    context_body = {"cluster": cluster, "user": user}
    if namespace:
        context_body["namespace"] = namespace
    cluster_body = {"server": server}
    if certificate_authority:   # kubeadm's shape: the CA's PEM, base64 once more
        cluster_body["certificate-authority-data"] = base64.b64encode(certificate_authority.encode()).decode()
    return {"apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": cluster, "cluster": cluster_body}],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [{"name": context, "context": context_body}],
            "current-context": context}


def write(path: str, server: str, token: str, user: str = "admin", cluster: str = "kubelab",
          namespace: str | None = None, certificate_authority: str = "") -> str:
    """Write a kubeconfig file readable only by its owner (it holds a credential); returns path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    text = yaml.safe_dump(build(server, token, user, cluster, namespace=namespace,
                                certificate_authority=certificate_authority), sort_keys=False)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path
