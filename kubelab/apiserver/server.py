"""The API server: the only component that talks to the store.

Every write takes the same path, as in kube-apiserver's generic registry:

    resolve the resource → decode the body → default
    → MUTATING admission (admission/: NamespaceLifecycle, ServiceAccount, Priority, DefaultTolerationSeconds)
    → prepare (server-set fields) → validate (registry/<kind>.py) → VALIDATING admission
    → write to the store with compare-and-swap (unless dryRun=All) → record the trace

Each step records itself on the request (handler_chain.step): the admission plugins by name,
validation, the store — the request record and viz.request_path read them. Every kind-specific
rule is asked of the kind's strategy (registry/): this file names no kind.

Reads come straight from the store; a LIST may come in pages (listing.py). Writes are
transactions that compare the key's `mod_revision`, which is how a stale `resourceVersion`
becomes 409 Conflict and a taken name becomes 409 AlreadyExists. `metadata.resourceVersion`
is never stored: it is the key's `mod_revision`, set on the way out (as upstream does).
PATCH turns into an update (patch.py: merge, strategic merge and JSON patch); DELETE has its
own file (deletion.py: graceful deletion, finalizers, propagation policy); subresources
(binding, eviction, log, scale, token) each have one in subresources/.

`dryRun=All` runs every step but the write: the answer shows what would have been stored.
Authentication and authorization sit in front of all this (handler_chain.py).
"""
from __future__ import annotations

import json
import random
import uuid

from ..api import errors
from ..api.request import Request, TraceEntry, TraceLog
from ..api.resources import RESOURCES, Resource
from ..objects import meta
from ..objects.timefmt import rfc3339
from ..store import Compare, Op, Store, StoreError
from . import decode, deletion, listing, registry, subresources, validation
from .admission import AdmissionChain, Attributes, default_plugins
from .apiextensions.crds import PREFIX as CRD_PREFIX, CustomResources
from .compactor import DEFAULT_INTERVAL, Compactor
from .handler_chain import HandlerChain, Step, step
from .ipallocator import IPAllocator
from .patch import patch_stored
from .portallocator import PortAllocator
from .registry.strategy import Strategy
from .subresources.log import NodeConnections
from .watch import Watch
from .watch_cache import Encodings, cache_for, listed, read_current

_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # upstream's: no vowels, no confusable 0/1/3


def _same_json(new: dict, old: dict) -> bool:
    """Would the two encode to the same JSON (upstream compares the bytes)? Python's `==` holds
    for 0 and false, 1 and 1.0, which a free-form field (a CRD schema's `default`) tells apart."""
    return json.dumps(new, sort_keys=True) == json.dumps(old, sort_keys=True)


class APIServer:
    """Serves the Kubernetes API for kubelab's kinds from one store."""

    resources = RESOURCES

    def __init__(self, store: Store, clock, rng: random.Random | None = None,
                 service_cidr: str = "10.96.0.0/12", advertise_address: str = "10.0.0.10",
                 secure_port: int = 6443, admission_plugins: list[str] | None = None,
                 compaction_interval: float = DEFAULT_INTERVAL, trace_limit: int = 10_000,
                 watch_cache: bool = True):
        self.store, self.clock = store, clock
        # kube-apiserver's --watch-cache: lists and watches served from memory (watch_cache.py)
        self.watch_cache = watch_cache
        self.watch_caches: dict[str, object] = {}   # plural -> its WatchCache, made on first use
        self.encoded = Encodings()                  # each shared object's JSON, made once
        self.written = None   # (key, stored text, object) while write() runs: the watch cache freezes the object
        self.advertise_address = advertise_address
        self.secure_port = secure_port   # with advertise_address: the kubernetes Endpoints (bootstrap.py)
        self.rng = rng or random.Random(0)
        self.ips = IPAllocator(service_cidr, random.Random(self.rng.random()))
        self.node_ports = PortAllocator(rng=random.Random(self.rng.random()))
        self.admission = AdmissionChain(default_plugins(admission_plugins))
        for plugin in self.admission.plugins:  # upstream's plugins read listers: here the watch cache
            if hasattr(plugin, "list_classes"):  # Priority: every PriorityClass
                plugin.list_classes = lambda: listed(self, "priorityclasses")
            if hasattr(plugin, "list_objects"):   # DefaultStorageClass: every StorageClass
                plugin.list_objects = lambda plural: listed(self, plural)
        self.node_connections = NodeConnections()  # node name -> its kubelet's log endpoint
        self.tokens = None                          # ServiceAccountTokens; made on first use
        self.trace = TraceLog(trace_limit)          # the last `trace_limit` writes (request.py)
        self.compactor = Compactor(store, clock, compaction_interval)   # compactor.py
        self.chain = HandlerChain.trusting(clock)   # handler_chain.secure(...) adds tokens and RBAC
        self.custom = CustomResources(self)         # the kinds CRDs add (apiextensions/crds.py)
        for strategy in registry.STRATEGIES.values():
            strategy.restore(self)                  # what stored objects hold (Services' addresses)
        self._verbs = {"get": self._get, "list": self._list, "create": self._create, "update": self._update,
                       "patch": lambda resource, request: patch_stored(self, resource, request),   # patch.py
                       "delete": self.handle_delete}

    # -- entry points ------------------------------------------------------------------
    def handle(self, request: Request) -> dict:
        """Serve one request; returns the response body or raises ApiError (a Status)."""
        return self.chain.serve(request, self._serve)  # authentication, authorization first (handler_chain.py)

    def _serve(self, request: Request) -> dict:
        """Route the request to its verb; each step on the way records itself (handler_chain.step)."""
        with step(request, "routing"):
            resource = self._resource(request)
            handler = self._verbs.get(request.verb)
            if request.subresource not in ("", "status", "finalize"):
                found = subresources.handler(resource.plural, request.subresource, request.verb) or \
                    self.custom.subresource_handler(resource.plural, request.subresource, request.verb)
                handler = found and (lambda resource, request: self._serve_subresource(found, resource, request))
            if handler is None:
                raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        directive = str(request.params.get("fieldValidation") or "").lower()
        if request.verb in ("create", "update", "patch") and directive in ("strict", "warn") \
                and request.subresource in ("", "status"):
            from .http import field_validation   # (here: the http package imports this module)
            with step(request, "validation"):   # Strict refuses, Warn answers with warnings
                request.warnings.extend(field_validation.check(resource, request.body, directive))
        return handler(resource, request)

    def _serve_subresource(self, handler, resource: Resource, request: Request):
        """binding, eviction, log, scale, token: the handler's inner steps, or one step of its own."""
        recorded = len(request.steps)
        with step(request, request.subresource):
            answer = handler(self, resource, request)
        if len(request.steps) == recorded:
            request.steps.append(Step(request.subresource, "passed", ""))
        return answer

    def watch(self, request: Request, on_event) -> Watch:
        """Start a watch; `on_event(type, obj)` is called through the clock, in order."""
        self.chain.admit_watch(request)  # authentication, authorization (handler_chain.py)
        resource = self._resource(request)
        return Watch(self, resource, request, on_event)

    def bootstrap(self) -> None:
        """What a new cluster has before anyone asks (bootstrap.py: namespaces, the kubernetes Service)."""
        from .bootstrap import bootstrap
        bootstrap(self)

    def service_account_tokens(self):
        """The service-account token issuer (authentication/serviceaccount.py), made on first use."""
        if self.tokens is None:
            from .authentication import ServiceAccountTokens
            from .authentication.rsa import generate_key
            self.tokens = ServiceAccountTokens(generate_key(self.rng.getrandbits(32)), self.clock,
                                               random.Random(self.rng.getrandbits(64)))
        return self.tokens

    # -- helpers -----------------------------------------------------------------------
    def _resource(self, request: Request) -> Resource:
        resource = RESOURCES.get(request.resource) or self.custom_resource(request.resource)
        if resource is None or (request.subresource and request.subresource not in resource.subresources):
            raise errors.ApiError(errors.status(404, "NotFound", "the server could not find the requested resource"))
        if not resource.namespaced:
            request.namespace = ""
        return resource

    def custom_resources(self) -> dict[str, Resource]:
        """Every kind the Established CRDs serve now (plural -> Resource)."""
        self.custom.sync()
        return {plural: strategy.resource for plural, strategy in self.custom.strategies.items()}

    def custom_resource(self, plural: str) -> Resource | None:
        """A kind a CRD serves (read from the store now: another API server may have added it)."""
        self.custom.sync()
        return self.custom.resource(plural)

    def decode(self, resource: Resource, kv) -> dict:
        obj = json.loads(kv.value)
        obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
        return obj

    def read(self, resource: Resource, namespace: str, name: str):
        """(the store's KeyValue, the object) — or 404."""
        kv = self.store.get(resource.key(namespace, name))
        if kv is None:
            raise errors.not_found(resource.plural, resource.group, name)
        return kv, self.decode(resource, kv)

    def read_current(self, resource: Resource, namespace: str, name: str):
        """(mod revision, object) for a read-modify-write: the watch cache's, else the store's (watch_cache.py)."""
        return read_current(self, resource, namespace, name)

    def list_all(self, plural: str) -> list[dict]:
        """Every stored object of a built-in kind (for admission plugins, as upstream's listers)."""
        return [self.decode(RESOURCES[plural], kv) for kv in self.store.range(RESOURCES[plural].prefix(None),
                                                                                prefix=True).kvs]

    def lookup(self, resource: str, namespace: str, name: str) -> dict | None:
        """An object by resource, namespace and name, or None, for admission plugins (they only read
        it): the watch cache's, as upstream's listers (no store read per pod's namespace), else the store's."""
        info = RESOURCES[resource]
        cache = (self.watch_cache and self.watch_caches.get(resource)) or cache_for(self, info)
        if cache is not None and not cache.broken:
            return cache.objects.get(info.key(namespace, name))
        return self.decode(info, kv) if (kv := self.store.get(info.key(namespace, name))) else None

    @staticmethod
    def _encode(obj: dict) -> str:
        # A shallow copy is enough: encoding only reads (a deep copy cost a third of an idle cluster).
        stored = dict(obj)
        stored["metadata"] = {name: value for name, value in obj["metadata"].items() if name != "resourceVersion"}
        return json.dumps(stored, separators=(",", ":"))   # (json.dumps: benchmarks/cost_breakdown.py times it)

    def _record(self, request: Request, resource: Resource, obj: dict, verb: str, summary: str = "") -> None:
        self.trace.append(TraceEntry(self.clock.now(), request.user, verb, resource.plural,
                                     meta.namespace(obj), meta.name(obj), request.subresource,
                                     summary, meta.resource_version(obj)))

    def write(self, resource: Resource, request: Request, obj: dict, expect_mod: int, verb: str,
              summary: str = "") -> dict:
        """Compare-and-swap `obj` into the store: the key must still be at `expect_mod` (0 = absent)."""
        if _dry_run(request):
            request.steps.append(Step("store", "skipped", "dryRun: nothing written"))
            return obj
        key = resource.key(meta.namespace(obj), meta.name(obj))
        target = "create" if expect_mod == 0 else "mod"
        with step(request, "store"):
            text = self._encode(obj)
            self.written = (key, text, obj)   # the watch cache freezes obj itself, not text parsed back
            try:
                response = self._txn([Compare(key, target, "=", expect_mod)], [Op.put(key, text)])
            finally:
                self.written = None
            if not response.succeeded:
                if expect_mod == 0:
                    raise errors.already_exists(resource.plural, resource.group, meta.name(obj))
                raise errors.conflict(resource.plural, resource.group, meta.name(obj), errors.STALE)
        request.steps.append(Step("store", "passed", f"resourceVersion {response.revision}"))
        obj["metadata"]["resourceVersion"] = str(response.revision)
        self._record(request, resource, obj, verb, summary)
        if key.startswith(CRD_PREFIX):
            self.custom.sync()  # a CRD changed: name it, establish it, serve it (apiextensions/crds.py)
        return obj

    def _txn(self, compares: list, success: list):
        """One store transaction; a store failure ("etcdserver: request is too large",
        "database space exceeded") is a 500, as kube-apiserver returns it (kubernetes#112152)."""
        try:
            return self.store.txn(compares, success)
        except StoreError as error:
            raise errors.ApiError(errors.status(500, "InternalError", str(error)))

    def remove(self, resource: Resource, request: Request, obj: dict, mod: int) -> dict:
        """Delete the object from the store if it is still at `mod`."""
        if _dry_run(request):
            request.steps.append(Step("store", "skipped", "dryRun: nothing deleted"))
            return obj
        key = resource.key(meta.namespace(obj), meta.name(obj))
        with step(request, "store"):
            response = self._txn([Compare(key, "mod", "=", mod)], [Op.delete(key)])
            if not response.succeeded:
                raise errors.conflict(resource.plural, resource.group, meta.name(obj), errors.STALE)
        request.steps.append(Step("store", "passed", f"deleted at resourceVersion {response.revision}"))
        self.strategy(resource).release(self, obj)
        obj["metadata"]["resourceVersion"] = str(response.revision)
        self._record(request, resource, obj, "delete")
        if key.startswith(CRD_PREFIX):
            self.custom.sync()
        return obj

    def admit(self, operation: str, resource: Resource, request: Request, obj: dict | None,
              old: dict | None = None) -> Attributes:
        """Run the mutating admission plugins (each records its step); returns the attributes for
        the validating phase."""
        attributes = Attributes(operation, resource.plural, resource.group, request.namespace,
                                meta.name(obj or old or {}) or request.name, obj, old, request.subresource,
                                request.user, _dry_run(request), self.lookup, self.rng,
                                tuple(request.user_info.groups) if request.user_info else ())
        if not self.admission.handles(attributes):
            request.steps.append(Step("admission", "passed", f"no plugin admits {operation} {resource.plural}"))
        self.admission.mutate(attributes, request.steps)
        if operation == "DELETE":
            self.admission.validate(attributes, request.steps)
        return attributes

    def strategy(self, resource: Resource) -> Strategy:
        """The kind's rules: a CRD's strategy for a custom kind, else its file in registry/."""
        return self.custom.strategy(resource.plural) or registry.strategy_for(resource.plural)

    def _validate(self, resource: Resource, request: Request, obj: dict, old: dict | None = None) -> None:
        """The validation step: the kind's own checks, then its rules (one 422 naming every cause)."""
        strategy = self.strategy(resource)
        with step(request, "validation", f"{resource.kind} rules hold"):
            strategy.check_write(self, resource, request, obj, old)   # RBAC escalation
            causes = validation.validate_metadata(obj, resource.namespaced, strategy.validate_name) + (
                strategy.validate(obj) if old is None else strategy.validate_status_update(obj, old)
                if request.subresource == "status" else strategy.validate(obj) + strategy.validate_update(obj, old))
            if causes:
                raise errors.invalid(resource.kind, resource.group, meta.name(obj), causes)

    def _read_steps(self, request: Request, read):
        """A read is neither admitted nor validated: the store answers (or its query is refused)."""
        request.steps.append(Step("admission", "skipped", "reads are not admitted or validated"))
        with step(request, "validation"):
            query = read()
        request.steps.append(Step("validation", "skipped", ""))
        with step(request, "store"):
            answer = query()
        version = (answer.get("metadata") or {}).get("resourceVersion")
        request.steps.append(Step("store", "passed", f"resourceVersion {version}" if version else ""))
        return answer

    # -- verbs -------------------------------------------------------------------------
    def _get(self, resource: Resource, request: Request) -> dict:
        return self._read_steps(request, lambda: lambda: self.read(resource, request.namespace, request.name)[1])

    def _list(self, resource: Resource, request: Request) -> dict:
        return self._read_steps(request, lambda: listing.query(self, resource, request))

    def field_requirements(self, resource: Resource, text: str | None):
        """The parsed `fieldSelector`, each field one the kind supports (listing.py)."""
        return listing.field_requirements(self.strategy(resource), text)

    def _create(self, resource: Resource, request: Request) -> dict:
        with step(request, "validation"):   # a body that does not decode is refused before admission
            obj = decode.body(resource, request, request.body)
        metadata = obj["metadata"]
        if not metadata.get("name") and metadata.get("generateName"):
            suffix = "".join(self.rng.choice(_NAME_ALPHABET) for _ in range(5))
            metadata["name"] = metadata["generateName"] + suffix
        for server_set in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                           "deletionGracePeriodSeconds", "generation"):
            metadata.pop(server_set, None)
        strategy = self.strategy(resource)
        if strategy.uid_before_prepare:   # a Job's generated selector names its uid
            metadata["uid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        strategy.default(obj)
        strategy.prepare_for_create(obj)
        meta.omit_empty(metadata)
        attributes = self.admit("CREATE", resource, request, obj)
        if "uid" not in metadata:
            metadata["uid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        metadata["creationTimestamp"] = rfc3339(self.clock.now())
        if resource.has_generation:
            metadata["generation"] = 1
        self._validate(resource, request, obj)
        self.admission.validate(attributes, request.steps)
        with step(request, "store"):
            undo = strategy.reserve(self, resource, obj)   # a Service's ClusterIP and node ports
        try:
            return self.write(resource, request, obj, 0, "create")
        finally:
            if undo and (_dry_run(request) or "resourceVersion" not in metadata):
                undo()  # a dry run, or a refused write: leave nothing behind

    def _update(self, resource: Resource, request: Request, body: dict | None = None, stored=None) -> dict:
        with step(request, "validation"):   # a body that does not decode is refused before admission
            new = decode.body(resource, request, request.body if body is None else body)
            if new["metadata"].get("name") != request.name:
                raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                         % (new["metadata"].get("name"), request.name))
        with step(request, "store"):
            kv, old = stored or self.read(resource, request.namespace, request.name)   # (a patch's: read)
            wanted_version = new["metadata"].get("resourceVersion")
            if wanted_version and wanted_version != str(kv.mod_revision):
                raise errors.conflict(resource.plural, resource.group, request.name, errors.STALE)
        return self.update_object(resource, request, kv, old, new)

    def update_object(self, resource: Resource, request: Request, kv, old: dict, new: dict) -> dict:
        """The update path once the new object is known: keep what may not change, default,
        admit, validate, write (or, if the last finalizer went, delete)."""
        meta.omit_empty(new["metadata"])
        strategy = self.strategy(resource)
        if request.subresource in ("status", "finalize"):
            new = strategy.prepare_for_subresource_update(request.subresource, new, old)
        else:
            if "status" in resource.subresources:
                new["status"] = old.get("status", {})  # the main resource cannot change status
            for kept in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                         "generation"):
                if kept in old["metadata"]:
                    new["metadata"][kept] = old["metadata"][kept]
                else:
                    new["metadata"].pop(kept, None)
            strategy.default(new)
            strategy.prepare_for_update(new, old)
            if resource.has_generation and strategy.spec_changed(old, new):
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        attributes = self.admit("UPDATE", resource, request, new, old)
        self._validate(resource, request, new, old)
        self.admission.validate(attributes, request.steps)
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old and _same_json(new, old):   # a no-op update writes nothing and keeps the resourceVersion
            request.steps.append(Step("store", "passed", "no change: nothing written"))
            return old
        if strategy.should_delete_during_update(new):
            return self.remove(resource, request, new, kv.mod_revision)
        with step(request, "store"):
            undo = None if request.subresource else strategy.reserve(self, resource, new, old)
        written = None
        try:
            written = self.write(resource, request, new, kv.mod_revision, "update", strategy.summary(old, new))
            return written
        finally:
            if written is not None and not _dry_run(request):
                strategy.release(self, old, keep=new)   # what the update gave up (a Service's node ports)
            elif undo:
                undo()

    def handle_delete(self, resource: Resource | Request, request: Request | None = None) -> dict:
        """DELETE (deletion.py); also callable with just a Request, as eviction does."""
        if request is None:
            request = resource
            with step(request, "routing"):
                resource = self._resource(request)
        return deletion.delete(self, resource, request)


def _dry_run(request: Request) -> bool:
    return bool(request.params.get("dryRun")) and request.params.get("dryRun") != "false"

