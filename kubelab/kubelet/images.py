"""The image catalogue: which images the simulated registries hold, and what their processes do.

A real node pulls whatever a registry serves and runs the image's ENTRYPOINT + CMD. kubelab's
registries hold a fixed catalogue: the images the lessons use and the common images of the
Kubernetes documentation's manifests, each with its default command, the ports its server
listens on, the memory its process needs and whether it has a shell and coreutils. Any other
image does not exist, and pulling it fails as containerd says:

    unknown repository  "pull access denied, repository does not exist or may require authorization: ..."
    unknown tag         "...: not found"

So `ngnix:1.27` (a typo) and `nginx:1.27-does-not-exist` both end in ErrImagePull, then
ImagePullBackOff. Tags: an entry lists the tags it knows, or `None` for "any tag" (images
whose tags the docs vary a lot, such as busybox or python).

What the processes *do* with their command (serve, sleep, exit 1, run a shell loop) is
shell.py's business; this file only says what each image holds.
"""
from __future__ import annotations

from dataclasses import dataclass

# The tools a busybox/alpine/debian-based image has on its PATH: what a shell script may call.
COREUTILS = frozenset({"sh", "echo", "sleep", "cat", "touch", "rm", "ls", "mkdir", "date", "true",
                       "false", "env", "printenv", "hostname", "test", "[", "exit", "wget", "nslookup",
                       "kill", "trap", "tail", "yes", "seq", "cp", "mv"})
DEBIAN = COREUTILS | {"bash"}


@dataclass(frozen=True)
class ImageBehaviour:
    """What one repository's images hold and run."""
    repository: str                      # "docker.io/library/nginx"
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    tags: frozenset | None = None        # known tags; None: any tag exists
    binaries: frozenset = frozenset()    # executables on PATH besides the entrypoint
    serves: tuple[int, ...] = ()         # ports the default server listens on
    memory_mib: int = 5                  # the working set of its process, for OOMKilled
    health: str = "always"               # "always" | "liveness-demo" (fails /healthz after 10 s)


def _entry(repository, entrypoint=(), cmd=(), tags=None, binaries=COREUTILS, serves=(), memory_mib=5,
           health="always") -> ImageBehaviour:
    return ImageBehaviour(repository, tuple(entrypoint), tuple(cmd),
                          frozenset(tags) if tags is not None else None, frozenset(binaries), tuple(serves),
                          memory_mib, health)


NGINX_TAGS = {"latest", "1.14.2", "1.16.1", "1.19", "1.20", "1.21", "1.23", "1.25", "1.26", "1.27", "1.27.3",
              "1.27.4", "1.28", "stable", "alpine", "1.27-alpine", "mainline", "1.7.9"}

CATALOGUE: dict[str, ImageBehaviour] = {entry.repository: entry for entry in [
    _entry("docker.io/library/nginx", ["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"],
           tags=NGINX_TAGS, binaries=DEBIAN | {"nginx", "/docker-entrypoint.sh", "curl"}, serves=(80,),
           memory_mib=8),
    _entry("docker.io/library/httpd", cmd=["httpd-foreground"], tags={"latest", "2.4", "2.4.62", "alpine"},
           binaries=DEBIAN | {"httpd-foreground", "httpd"}, serves=(80,), memory_mib=10),
    _entry("docker.io/library/redis", ["docker-entrypoint.sh"], ["redis-server"],
           tags={"latest", "5.0.4", "6", "6.2", "7", "7.2", "7.4", "alpine"},
           binaries=DEBIAN | {"redis-server", "redis-cli", "docker-entrypoint.sh"}, serves=(6379,), memory_mib=6),
    _entry("docker.io/library/busybox", cmd=["sh"]),
    _entry("registry.k8s.io/busybox", cmd=["sh"]),
    _entry("docker.io/library/alpine", cmd=["/bin/sh"]),
    _entry("docker.io/library/ubuntu", cmd=["/bin/bash"], binaries=DEBIAN),
    _entry("docker.io/library/debian", cmd=["bash"], binaries=DEBIAN),
    _entry("docker.io/library/python", cmd=["python3"], binaries=DEBIAN | {"python", "python3", "pip"},
           memory_mib=10),
    _entry("docker.io/library/perl", cmd=["perl", "-de0"], binaries=DEBIAN | {"perl"}, memory_mib=8),
    _entry("docker.io/library/postgres", ["docker-entrypoint.sh"], ["postgres"],
           binaries=DEBIAN | {"postgres", "psql", "docker-entrypoint.sh"}, serves=(5432,), memory_mib=30),
    _entry("docker.io/library/mysql", ["docker-entrypoint.sh"], ["mysqld"],
           binaries=DEBIAN | {"mysqld", "mysql", "docker-entrypoint.sh"}, serves=(3306,), memory_mib=350),
    _entry("docker.io/library/memcached", ["docker-entrypoint.sh"], ["memcached"],
           binaries=DEBIAN | {"memcached", "docker-entrypoint.sh"}, serves=(11211,), memory_mib=4),
    _entry("docker.io/library/wordpress", ["docker-entrypoint.sh"], ["apache2-foreground"],
           binaries=DEBIAN | {"apache2-foreground", "docker-entrypoint.sh"}, serves=(80,), memory_mib=40),
    _entry("docker.io/curlimages/curl", ["/entrypoint.sh"], ["curl"], binaries=COREUTILS | {"curl",
                                                                                           "/entrypoint.sh"}),
    _entry("registry.k8s.io/pause", ["/pause"], tags={"3.9", "3.10", "latest"}, binaries={"/pause"},
           memory_mib=1),
    _entry("gcr.io/google-samples/hello-app", ["/hello-app"], tags={"1.0", "2.0"}, binaries={"/hello-app"},
           serves=(8080,), memory_mib=5),
    _entry("us-docker.pkg.dev/google-samples/containers/gke/hello-app", ["/hello-app"], tags={"1.0", "2.0"},
           binaries={"/hello-app"}, serves=(8080,), memory_mib=5),
    _entry("registry.k8s.io/echoserver", ["/usr/local/bin/run.sh"], tags={"1.4", "1.10"},
           binaries=COREUTILS | {"/usr/local/bin/run.sh", "nginx"}, serves=(8080,), memory_mib=8),
    _entry("registry.k8s.io/e2e-test-images/agnhost", ["/agnhost"], tags={"2.39", "2.40", "2.52", "2.53"},
           binaries=COREUTILS | {"/agnhost", "agnhost"}, serves=(8080,), memory_mib=6),
    _entry("registry.k8s.io/liveness", ["/server"], tags={"latest"}, binaries={"/server"}, serves=(8080,),
           health="liveness-demo"),
    # the cluster DNS add-on (kubeadm's CoreDNS; the process runtime runs kubelab.dns.pod) and the
    # docs' DNS debugging image (nslookup, dig, host)
    _entry("registry.k8s.io/coredns/coredns", ["/coredns"], tags={"v1.10.1", "v1.11.1", "v1.11.3", "v1.12.0"},
           binaries={"/coredns"}, serves=(53, 8080, 8181, 9153), memory_mib=20),   # dns, health, ready, metrics
    _entry("registry.k8s.io/e2e-test-images/jessie-dnsutils", cmd=["bash"], tags={"1.3", "1.5", "1.7"},
           binaries=DEBIAN | {"dig", "host"}),
    _entry("registry.k8s.io/goproxy", ["/goproxy"], tags={"0.1"}, binaries={"/goproxy"}, serves=(8080,)),
    _entry("registry.k8s.io/nginx-slim", ["nginx", "-g", "daemon off;"], tags={"0.8", "0.21", "0.24", "0.27"},
           binaries=COREUTILS | {"nginx"}, serves=(80,), memory_mib=6),
    _entry("registry.k8s.io/hpa-example", ["/usr/local/bin/run.sh"], tags={"latest"},
           binaries=COREUTILS | {"/usr/local/bin/run.sh"}, serves=(80,), memory_mib=20),
    _entry("docker.io/polinux/stress", cmd=["stress"], binaries=COREUTILS | {"stress"}),
    _entry("quay.io/fluentd_elasticsearch/fluentd", ["/entrypoint.sh"], tags={"v2.5.2", "v5.0.1"},
           binaries=COREUTILS | {"/entrypoint.sh", "fluentd"}, memory_mib=200),   # the docs' DaemonSet
    _entry("docker.io/library/node", ["docker-entrypoint.sh"], ["node"],
           binaries=DEBIAN | {"node", "npm", "docker-entrypoint.sh"}, memory_mib=30),
    _entry("docker.io/library/traefik", ["/entrypoint.sh"], ["traefik"], binaries=COREUTILS | {"traefik"},
           serves=(80, 8080), memory_mib=30),
]}
# The docs' older hosts, same images (k8s.gcr.io redirects to registry.k8s.io).
for _old, _new in [("k8s.gcr.io/pause", "registry.k8s.io/pause"), ("k8s.gcr.io/busybox", "registry.k8s.io/busybox"),
                   ("k8s.gcr.io/echoserver", "registry.k8s.io/echoserver"),
                   ("k8s.gcr.io/liveness", "registry.k8s.io/liveness"),
                   ("k8s.gcr.io/goproxy", "registry.k8s.io/goproxy"),
                   ("k8s.gcr.io/nginx-slim", "registry.k8s.io/nginx-slim"),
                   ("k8s.gcr.io/hpa-example", "registry.k8s.io/hpa-example")]:
    CATALOGUE[_old] = ImageBehaviour(_old, *[getattr(CATALOGUE[_new], f) for f in
                                             ("entrypoint", "cmd", "tags", "binaries", "serves", "memory_mib",
                                              "health")])


def split_tag(tag: str) -> tuple[str, str]:
    """"docker.io/library/nginx:1.27" -> ("docker.io/library/nginx", "1.27"); a digest is its own tag."""
    if "@" in tag:
        return tag.split("@")[0], tag.split("@")[1]
    head, _, last = tag.rpartition("/")
    repository, _, version = last.partition(":")
    return f"{head}/{repository}", version or "latest"


def lookup(tag: str) -> ImageBehaviour | None:
    """The catalogue entry for a normalized image name, or None when the registry has no such image."""
    repository, version = split_tag(tag)
    entry = CATALOGUE.get(repository)
    if entry is None:
        return None
    if entry.tags is not None and not version.startswith("sha256:") and version not in entry.tags:
        return None
    return entry


def pull_error(tag: str) -> str:
    """containerd's words for an image the registries don't have (CRI PullImage's error)."""
    repository, _ = split_tag(tag)
    if repository not in CATALOGUE:
        return (f'rpc error: code = Unknown desc = failed to pull and unpack image "{tag}": failed to resolve '
                f'reference "{tag}": pull access denied, repository does not exist or may require '
                f'authorization: server message: insufficient_scope: authorization failed')
    return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{tag}": failed to resolve '
            f'reference "{tag}": {tag}: not found')
