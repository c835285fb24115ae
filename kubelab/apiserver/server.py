"""The API server: the only component that talks to the store.

Every request takes the same path, as in kube-apiserver's generic registry:

    resolve the resource → (admission: namespace exists) → prepare (server-set fields)
    → default → validate → write to the store with compare-and-swap → record the trace

Reads come straight from the store; writes are transactions that compare the key's
`mod_revision`, which is how a stale `resourceVersion` becomes 409 Conflict and a taken name
becomes 409 AlreadyExists. `metadata.resourceVersion` is never stored: it is the key's
`mod_revision`, set on the way out (as upstream does).

Left out here (the API server has its own issue for depth): authentication, authorization,
admission plugins as separate files, strategic merge patch, pagination, HTTP. Namespaces are
emptied by the API server itself when deleted; upstream the namespace controller does that.
"""
from __future__ import annotations

import copy
import json
import random
import string
import uuid

from ..objects import conditions, meta, selector
from ..objects.timefmt import rfc3339
from ..store import CompactedError, Compare, Op, Store, StoreError
from . import defaults, errors, validation
from .errors import ApiError
from .ipallocator import IPAllocator
from .patch import merge_patch
from .request import Request, TraceEntry
from .resources import RESOURCES, Resource
from .watch import Watch

_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # upstream's: no vowels, no confusable 0/1/3


class APIServer:
    """Serves the Kubernetes API for kubelab's kinds from one store."""

    def __init__(self, store: Store, clock, rng: random.Random | None = None,
                 service_cidr: str = "10.96.0.0/12", advertise_address: str = "10.0.0.10"):
        self.store, self.clock = store, clock
        self.advertise_address = advertise_address
        self.rng = rng or random.Random(0)
        self.ips = IPAllocator(service_cidr, random.Random(self.rng.random()))
        self.trace: list[TraceEntry] = []
        for kv in self.store.range("/registry/services/specs/", prefix=True).kvs:
            ip = json.loads(kv.value)["spec"].get("clusterIP")
            if ip and ip != "None":
                self.ips.taken.add(ip)

    # -- entry points ------------------------------------------------------------------
    def handle(self, request: Request) -> dict:
        """Serve one request; returns the response body or raises ApiError (a Status)."""
        resource = self._resource(request)
        handler = {"get": self._get, "list": self._list, "create": self._create,
                   "update": self._update, "patch": self._patch, "delete": self._delete}.get(request.verb)
        if handler is None:
            raise errors.method_not_allowed(f"the server does not allow this method on the requested resource")
        return handler(resource, request)

    def watch(self, request: Request, on_event) -> Watch:
        """Start a watch; `on_event(type, obj)` is called through the clock, in order."""
        resource = self._resource(request)
        return Watch(self, resource, request, on_event)

    def bootstrap(self) -> None:
        """What a new cluster has before anyone asks: the four namespaces, the kubernetes Service."""
        for name in ("default", "kube-node-lease", "kube-public", "kube-system"):
            self._ensure("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        self._ensure("services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": str(self.ips.network.network_address + 1),
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}})
        # The API server keeps the kubernetes Service's Endpoints pointing at itself (its
        # "master endpoint reconciler"); kubelab's control plane answers at 10.0.0.10:6443.
        self._ensure("endpoints", {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": self.advertise_address}],
                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]})

    def _ensure(self, resource: str, obj: dict) -> None:
        try:
            self.handle(Request("create", resource, meta.namespace(obj), body=obj, user="system:apiserver"))
        except ApiError as error:
            if error.reason != "AlreadyExists":
                raise

    # -- helpers -----------------------------------------------------------------------
    def _resource(self, request: Request) -> Resource:
        resource = RESOURCES.get(request.resource)
        if resource is None:
            raise errors.ApiError(errors.status(404, "NotFound", "the server could not find the requested resource"))
        if request.subresource and request.subresource not in resource.subresources:
            raise errors.ApiError(errors.status(404, "NotFound", "the server could not find the requested resource"))
        if not resource.namespaced:
            request.namespace = ""
        return resource

    def decode(self, resource: Resource, kv) -> dict:
        obj = json.loads(kv.value)
        obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
        return obj

    def _read(self, resource: Resource, namespace: str, name: str):
        kv = self.store.get(resource.key(namespace, name))
        if kv is None:
            raise errors.not_found(resource.plural, resource.group, name)
        return kv, self.decode(resource, kv)

    @staticmethod
    def _encode(obj: dict) -> str:
        stored = copy.deepcopy(obj)
        stored["metadata"].pop("resourceVersion", None)
        return json.dumps(stored, separators=(",", ":"))

    def _record(self, request: Request, resource: Resource, obj: dict, verb: str, summary: str = "") -> None:
        self.trace.append(TraceEntry(self.clock.now(), request.user, verb, resource.plural,
                                     meta.namespace(obj), meta.name(obj), request.subresource,
                                     summary, meta.resource_version(obj)))

    def _write(self, resource: Resource, request: Request, obj: dict, expect_mod: int, verb: str,
               summary: str = "") -> dict:
        """Compare-and-swap `obj` into the store: the key must still be at `expect_mod` (0 = absent)."""
        if request.params.get("dryRun"):
            return obj
        key = resource.key(meta.namespace(obj), meta.name(obj))
        target = "create" if expect_mod == 0 else "mod"
        response = self._txn([Compare(key, target, "=", expect_mod)], [Op.put(key, self._encode(obj))])
        if not response.succeeded:
            if expect_mod == 0:
                raise errors.already_exists(resource.plural, resource.group, meta.name(obj))
            raise errors.conflict(resource.plural, resource.group, meta.name(obj), errors.STALE)
        obj["metadata"]["resourceVersion"] = str(response.revision)
        self._record(request, resource, obj, verb, summary)
        return obj

    def _txn(self, compares: list, success: list):
        """One store transaction; a store failure ("etcdserver: request is too large",
        "database space exceeded") is a 500, as kube-apiserver returns it (kubernetes#112152)."""
        try:
            return self.store.txn(compares, success)
        except StoreError as error:
            raise errors.ApiError(errors.status(500, "InternalError", str(error)))

    def _check_body(self, resource: Resource, request: Request, body) -> dict:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request was in an unknown format")
        obj = copy.deepcopy(body)
        kind = obj.setdefault("kind", resource.kind)
        obj.setdefault("apiVersion", resource.api_version)
        if kind != resource.kind or obj["apiVersion"] != resource.api_version:
            raise errors.bad_request(f"the API version in the data ({obj['apiVersion']}) does not match "
                                     f"the expected API version ({resource.api_version})"
                                     if kind == resource.kind else
                                     f"{kind} in version \"{obj['apiVersion']}\" cannot be handled as a "
                                     f"{resource.kind}: no kind \"{kind}\" is registered for version "
                                     f"\"{obj['apiVersion']}\"")
        metadata = obj.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata: expected an object")
        if resource.namespaced:
            body_ns = metadata.get("namespace")
            if body_ns and request.namespace and body_ns != request.namespace:
                raise errors.bad_request("the namespace of the provided object does not match "
                                         "the namespace sent on the request")
            metadata["namespace"] = request.namespace or body_ns or "default"
        else:
            metadata.pop("namespace", None)
        return obj

    def _invalid(self, resource: Resource, obj: dict, causes: list[dict]) -> ApiError:
        return errors.invalid(resource.kind, resource.group, meta.name(obj), causes)

    # -- verbs -------------------------------------------------------------------------
    def _get(self, resource: Resource, request: Request) -> dict:
        return self._read(resource, request.namespace, request.name)[1]

    def _list(self, resource: Resource, request: Request) -> dict:
        try:
            labels = selector.parse(request.params.get("labelSelector"))
            fields = self.field_requirements(resource, request.params.get("fieldSelector"))
        except selector.SelectorError as error:
            raise errors.bad_request(str(error))
        listed = self._range_for_list(resource, request)
        items = [obj for obj in (self.decode(resource, kv) for kv in listed.kvs)
                 if selector.matches(labels, meta.labels(obj)) and selector.fields_match(fields, obj)]
        return {"apiVersion": resource.api_version, "kind": f"{resource.kind}List",
                "metadata": {"resourceVersion": str(listed.revision)}, "items": items}

    def _range_for_list(self, resource: Resource, request: Request):
        """The objects to list: now, or — with resourceVersionMatch=Exact — as they were then."""
        revision = 0
        if request.params.get("resourceVersionMatch") == "Exact":
            version = str(request.params.get("resourceVersion") or "")
            if not version.isdigit() or version == "0":
                raise errors.bad_request(f'invalid resource version "{version}"')
            revision = int(version)
        try:
            return self.store.range(resource.prefix(request.namespace), prefix=True, revision=revision)
        except CompactedError:
            raise errors.gone("The resourceVersion for the provided list is too old.")
        except StoreError as error:
            raise errors.ApiError(errors.status(500, "InternalError", str(error)))

    @staticmethod
    def field_requirements(resource: Resource, text: str | None):
        requirements = selector.parse_fields(text)
        for path, _, _ in requirements:
            if path not in resource.field_selectors:
                raise selector.SelectorError(f'field label not supported: {path}')
        return requirements

    def _create(self, resource: Resource, request: Request) -> dict:
        if request.subresource == "binding":
            return self._bind(resource, request)
        obj = self._check_body(resource, request, request.body)
        metadata = obj["metadata"]
        if not metadata.get("name") and metadata.get("generateName"):
            suffix = "".join(self.rng.choice(_NAME_ALPHABET) for _ in range(5))
            metadata["name"] = metadata["generateName"] + suffix
        if resource.namespaced:
            self._admit_namespace(resource, metadata)
        for server_set in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                           "deletionGracePeriodSeconds", "generation"):
            metadata.pop(server_set, None)
        metadata["uid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        metadata["creationTimestamp"] = rfc3339(self.clock.now())
        if resource.has_generation:
            metadata["generation"] = 1
        if resource.plural in ("deployments", "replicasets", "services"):
            obj["status"] = {}  # status is the controllers' to write, never the creator's
        defaults.apply_defaults(resource.plural, obj)
        causes = validation.validate(resource.plural, obj, resource.namespaced)
        if causes:
            raise self._invalid(resource, obj, causes)
        allocated = self._allocate_cluster_ip(resource, obj)
        try:
            return self._write(resource, request, obj, 0, "create")
        except ApiError:
            if allocated:
                self.ips.release(allocated)  # leave nothing half-written
            raise

    def _admit_namespace(self, resource: Resource, metadata: dict) -> None:
        """NamespaceLifecycle admission: no new objects in a missing or terminating namespace."""
        namespace_kv = self.store.get(RESOURCES["namespaces"].key("", metadata["namespace"]))
        if namespace_kv is None:
            raise errors.not_found("namespaces", "", metadata["namespace"])
        if json.loads(namespace_kv.value).get("status", {}).get("phase") == "Terminating":
            raise errors.forbidden(resource.plural, resource.group, metadata.get("name", ""),
                                   f"unable to create new content in namespace {metadata['namespace']} "
                                   f"because it is being terminated")

    def _allocate_cluster_ip(self, resource: Resource, obj: dict) -> str | None:
        if resource.plural != "services" or obj["spec"].get("type") == "ExternalName" \
                or obj["spec"].get("clusterIP") == "None":
            return None
        try:
            address = self.ips.allocate(obj["spec"].get("clusterIP") or None)
        except ValueError as error:
            raise self._invalid(resource, obj, [errors.invalid_value(
                "spec.clusterIPs", [obj["spec"].get("clusterIP")], str(error))])
        obj["spec"]["clusterIP"] = address
        obj["spec"]["clusterIPs"] = [address]
        obj["spec"].setdefault("ipFamilies", ["IPv4"])
        obj["spec"].setdefault("ipFamilyPolicy", "SingleStack")
        return address

    def _bind(self, resource: Resource, request: Request) -> dict:
        """POST pods/<name>/binding: the scheduler's decision, written as spec.nodeName."""
        target = (request.body or {}).get("target") or {}
        if not target.get("name"):
            raise errors.invalid("Binding", "", request.name, [errors.required("target.name")])
        kv, pod = self._read(resource, request.namespace, request.name)
        if pod["spec"].get("nodeName"):
            raise errors.conflict("pods/binding", resource.group, request.name,
                                  f'pod {request.name} is already assigned to node "{pod["spec"]["nodeName"]}"')
        pod["spec"]["nodeName"] = target["name"]
        pod["status"]["conditions"] = conditions.set_condition(
            pod["status"].get("conditions") or [], {"type": "PodScheduled", "status": "True",
                                                    "lastProbeTime": None}, self.clock.now())
        self._write(resource, request, pod, kv.mod_revision, "create", f"bound to {target['name']}")
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    def _update(self, resource: Resource, request: Request, body: dict | None = None) -> dict:
        new = self._check_body(resource, request, request.body if body is None else body)
        if new["metadata"].get("name") != request.name:
            raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                     % (new["metadata"].get("name"), request.name))
        kv, old = self._read(resource, request.namespace, request.name)
        wanted_version = new["metadata"].get("resourceVersion")
        if wanted_version and wanted_version != str(kv.mod_revision):
            raise errors.conflict(resource.plural, resource.group, request.name, errors.STALE)
        if request.subresource == "status":
            merged = copy.deepcopy(old)
            merged["status"] = new.get("status", {})
            if resource.plural in ("deployments", "replicasets"):
                # Their status strategy lets a status write carry annotations (the revision).
                merged["metadata"]["annotations"] = new["metadata"].get("annotations") or {}
                if not merged["metadata"]["annotations"]:
                    del merged["metadata"]["annotations"]
            new = merged
        else:
            if "status" in resource.subresources:
                new["status"] = old.get("status", {})  # the main resource cannot change status
            for kept in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                         "generation"):
                if kept in old["metadata"]:
                    new["metadata"][kept] = old["metadata"][kept]
                else:
                    new["metadata"].pop(kept, None)
            defaults.apply_defaults(resource.plural, new)
            if resource.has_generation and new.get("spec") != old.get("spec"):
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            if resource.plural == "services":
                new["spec"].setdefault("clusterIP", old["spec"].get("clusterIP"))
                new["spec"].setdefault("clusterIPs", old["spec"].get("clusterIPs"))
        causes = validation.validate(resource.plural, new, resource.namespaced) + \
            validation.validate_update(resource.plural, old, new)
        if causes:
            raise self._invalid(resource, new, causes)
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old:
            return old  # a no-op update writes nothing and keeps the resourceVersion
        finished = self._finish_deletion(resource, request, new, kv.mod_revision)
        if finished is not None:
            return finished
        return self._write(resource, request, new, kv.mod_revision, "update", _summary(resource, old, new))

    def _patch(self, resource: Resource, request: Request) -> dict:
        if not isinstance(request.body, dict):
            raise errors.bad_request("the body of the request was in an unknown format")
        old = self._read(resource, request.namespace, request.name)[1]
        patched = merge_patch(old, request.body)
        if "resourceVersion" not in ((request.body.get("metadata") or {})):
            patched["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return self._update(resource, request, patched)

    def _delete(self, resource: Resource, request: Request) -> dict:
        kv, obj = self._read(resource, request.namespace, request.name)
        grace = request.params.get("gracePeriodSeconds")
        if resource.plural == "pods" and obj["spec"].get("nodeName") and grace != 0 \
                and not meta.is_being_deleted(obj):
            # Graceful deletion: the kubelet stops the containers, then deletes with grace 0.
            seconds = obj["spec"].get("terminationGracePeriodSeconds", 30) if grace is None else grace
            obj["metadata"]["deletionTimestamp"] = rfc3339(self.clock.now() + seconds)
            obj["metadata"]["deletionGracePeriodSeconds"] = seconds
            return self._write(resource, request, obj, kv.mod_revision, "delete", "graceful")
        if obj["metadata"].get("finalizers"):
            if not meta.is_being_deleted(obj):
                obj["metadata"]["deletionTimestamp"] = rfc3339(self.clock.now())
                obj["metadata"]["deletionGracePeriodSeconds"] = 0
                return self._write(resource, request, obj, kv.mod_revision, "delete", "finalizers pending")
            return obj
        if resource.plural == "namespaces":
            self._empty_namespace(request, meta.name(obj))
        return self._remove(resource, request, obj, kv.mod_revision)

    def _finish_deletion(self, resource: Resource, request: Request, obj: dict, mod: int) -> dict | None:
        """An object being deleted whose last finalizer was just removed goes away."""
        if meta.is_being_deleted(obj) and not obj["metadata"].get("finalizers") and resource.plural != "pods":
            return self._remove(resource, request, obj, mod)
        return None

    def _remove(self, resource: Resource, request: Request, obj: dict, mod: int) -> dict:
        if request.params.get("dryRun"):
            return obj
        key = resource.key(meta.namespace(obj), meta.name(obj))
        response = self._txn([Compare(key, "mod", "=", mod)], [Op.delete(key)])
        if not response.succeeded:
            raise errors.conflict(resource.plural, resource.group, meta.name(obj), errors.STALE)
        if resource.plural == "services" and obj["spec"].get("clusterIP") not in (None, "", "None"):
            self.ips.release(obj["spec"]["clusterIP"])
        obj["metadata"]["resourceVersion"] = str(response.revision)
        self._record(request, resource, obj, "delete")
        return obj

    def _empty_namespace(self, request: Request, namespace: str) -> None:
        for resource in RESOURCES.values():
            if not resource.namespaced:
                continue
            for kv in self.store.range(resource.prefix(namespace), prefix=True).kvs:
                obj = self.decode(resource, kv)
                self._remove(resource, Request("delete", resource.plural, namespace, meta.name(obj),
                                               user=request.user), obj, kv.mod_revision)


def _summary(resource: Resource, old: dict, new: dict) -> str:
    """A few words on what an update changed, for the trace."""
    if resource.plural == "pods":
        before, after = old.get("status", {}).get("phase"), new.get("status", {}).get("phase")
        ready = "Ready" if conditions.is_true(new, "Ready") else "not Ready"
        return f"phase {after}, {ready}" if before != after or conditions.is_true(old, "Ready") != \
            conditions.is_true(new, "Ready") else ""
    if resource.plural == "nodes":
        if conditions.is_true(old, "Ready") != conditions.is_true(new, "Ready"):
            return "Ready" if conditions.is_true(new, "Ready") else "NotReady"
        if bool(old["spec"].get("unschedulable")) != bool(new["spec"].get("unschedulable")):
            return "cordoned" if new["spec"].get("unschedulable") else "uncordoned"
        return ""
    old_replicas = (old.get("spec") or {}).get("replicas")
    new_replicas = (new.get("spec") or {}).get("replicas")
    if old_replicas != new_replicas:
        return f"replicas {old_replicas} → {new_replicas}"
    return ""
