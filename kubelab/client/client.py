"""The client every component uses: Kubernetes' verbs, and nothing but the API in between.

A component never holds the API server; it holds a `Client` over a *transport*. The
in-process transport hands a `Request` to the API server, with the isolation a network
gives where it matters and no copy where it does not:
  request bodies   handed over as they are: the API server decodes a create, update or
                   patch into its own copy (decode.body clones; a patch never edits its
                   body), so the caller's dict is neither kept nor changed; the bodies a
                   subresource or a delete decodes in place (binding, eviction, token,
                   scale, DeleteOptions: small) are copied here first;
  get and writes   answered with an object built for this request alone (decoded from the
                   store, or the one just written): the caller's own, handed over as it is;
  lists, watches   for a cache (`shared=True`: what an Informer asks), the watch cache's
                   objects themselves: one decoded, *frozen* object per version
                   (objects/frozen.py), shared by the API server's cache and every informer,
                   lister and handler of every component of the process — no copy, no JSON
                   (objects a list or watch reads from the store instead — cache off, a
                   page, an exact revision — are frozen here, so shared is always frozen).
                   Changing one raises SharedObjectError, which says to `copy.deepcopy` it
                   first: client-go's "never modify objects from the store", kept by the
                   language this time. Without `shared`, as client-go's clientset List and
                   Watch, the caller gets plain objects of its own (thawed from the shared
                   ones: a Python deep copy, half the cost of the JSON one it replaced).
The HTTP transport sends the same requests as REST calls; there every process decodes its
own copies (`shared` changes nothing: the rule still holds, unenforced, as in Go).
Component code cannot tell which one it has, as long as it copies before it changes what
an informer gave it.
"""
from __future__ import annotations

import json

from ..api.errors import ApiError
from ..api.request import Request
from ..api.resources import RESOURCES
from ..objects import meta
from ..objects.frozen import FrozenDict, freeze, thaw


def _copy(obj):
    return json.loads(json.dumps(obj))


def _shared(obj):
    """`obj` frozen: as it is when the watch cache made it, else a frozen copy of it."""
    return obj if type(obj) is FrozenDict else freeze(obj)


def _own(obj):
    """`obj` for a caller of its own: a shared object thawed, one built for this call as it is."""
    return thaw(obj) if type(obj) is FrozenDict else obj


class InProcessTransport:
    """Calls the API server directly, with the isolation of a network where it matters (above)."""

    OWN_COPY = ("", "status")   # subresources whose create/update/patch body the server copies

    def __init__(self, apiserver):
        self.apiserver = apiserver

    def request(self, request: Request) -> dict:
        if request.body is not None and (request.verb == "delete" or request.subresource not in self.OWN_COPY):
            request.body = _copy(request.body)   # decoded in place by the server: small, rare
        request.user_info = None  # who the client is, only authentication says (as over a network)
        try:
            answer = self.apiserver.handle(request)
        except ApiError as refusal:
            # A refusal is the API server's answer, not a crash: the caller's traceback starts
            # here, as over HTTP, not eight frames deep in the API server's internals.
            raise refusal.with_traceback(None) from None
        if request.verb == "list" and isinstance(answer, dict) and isinstance(answer.get("items"), list):
            handed = _shared if request.shared else _own      # the List itself is built for this call
            answer["items"] = [handed(item) for item in answer["items"]]
        return answer

    def discover(self, plural: str = "") -> dict:
        """The kinds the API server's CRDs serve, as discovery would list them (plural -> Resource)."""
        return self.apiserver.custom_resources()

    def get_path(self, path: str) -> dict:
        """GET a document that is no object: the OpenAPI documents (`kubectl explain` reads them)."""
        from ..apiserver.http import openapi   # the documents the HTTP server serves, as they are
        segments = [part for part in path.split("?")[0].split("/") if part]
        found = openapi.document(segments[1:]) if segments[:1] == ["openapi"] else None
        if found is None:
            raise ApiError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": "the server could not find the requested resource", "reason": "NotFound",
                            "details": {}, "code": 404})
        return _copy(found)

    def watch(self, request: Request, on_event):
        """For a cache (`request.shared`), each event's object is the watch cache's shared,
        frozen one (frozen here if the store served it): every informer of the process holds
        the same object. Otherwise each event is the watcher's own (thawed)."""
        request.user_info = None
        handed = _shared if request.shared else _own
        return self.apiserver.watch(request, lambda event_type, obj: on_event(event_type, handed(obj)))


class Client:
    """Kubernetes verbs over a transport, as one user: `token` is its bearer token (the API
    server authenticates it and the trace shows that user); `user_agent` only describes it."""

    def __init__(self, transport, user_agent: str = "kubectl", token=""):
        self.transport = transport
        self.user_agent = user_agent
        self.token_source = token  # a token, or a callable returning the current one (it may refresh)
        self.warnings: list[str] = []   # the last answer's Warning texts

    def get_path(self, path: str) -> dict:
        """GET a path that is no resource (/openapi/v3/api/v1, ...), through the transport."""
        return self.transport.get_path(path)

    @property
    def token(self) -> str:
        return self.token_source() if callable(self.token_source) else self.token_source

    def discover(self) -> dict:
        """The kinds CustomResourceDefinitions add, from the server's discovery (plural -> Resource)."""
        discover = getattr(self.transport, "discover", None)
        return (discover("") or {}) if discover else {}

    def _namespace(self, resource: str, namespace: str | None, obj: dict | None = None) -> str:
        info = RESOURCES.get(resource)
        if info is not None and not info.namespaced:
            return ""
        return namespace or (meta.namespace(obj) if obj else "") or "default"

    def _call(self, verb, resource, namespace="", name="", subresource="", body=None, shared=False, **params):
        params = {k: v for k, v in params.items() if v is not None}
        request = Request(verb, resource, namespace, name, subresource, body, params, self.user_agent,
                          credentials=self.token, user_agent=self.user_agent, shared=shared)
        answer = self.transport.request(request)
        self.warnings = list(request.warnings)   # what the server warned about (kubectl prints them)
        return answer

    def get(self, resource: str, name: str, namespace: str | None = None, subresource: str = "",
            **params) -> dict:
        """GET one object (or its subresource: "scale", "log" — a log is text)."""
        return self._call("get", resource, self._namespace(resource, namespace), name, subresource, **params)

    def list(self, resource: str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None, limit: int | None = None,
             continue_: str | None = None, shared: bool = False) -> dict:
        """LIST objects; namespace=None lists across all namespaces; `limit`/`continue_` page it.
        `shared=True` (an informer's list): in process, the items are the shared, frozen objects."""
        return self._call("list", resource, namespace or "", labelSelector=label_selector, shared=shared,
                          fieldSelector=field_selector, limit=limit, **{"continue": continue_})

    def create(self, resource: str, obj: dict, namespace: str | None = None, dry_run: bool = False,
               subresource: str = "", name: str = "", field_validation: str | None = None) -> dict:
        """POST an object (or, with `subresource` and `name`, to pods/eviction, serviceaccounts/token).
        `field_validation` "Strict" refuses unknown fields, as kubectl asks by default."""
        return self._call("create", resource, self._namespace(resource, namespace, obj), name, subresource,
                          body=obj, dryRun="All" if dry_run else None, fieldValidation=field_validation)

    def update(self, resource: str, obj: dict, namespace: str | None = None, subresource: str = "",
               dry_run: bool = False, field_validation: str | None = None) -> dict:
        """PUT the whole object; refused with 409 if its resourceVersion is stale."""
        return self._call("update", resource, self._namespace(resource, namespace, obj), meta.name(obj),
                          subresource, body=obj, dryRun="All" if dry_run else None, fieldValidation=field_validation)

    def update_status(self, resource: str, obj: dict, namespace: str | None = None) -> dict:
        """PUT .../status: only the status of `obj` is written."""
        return self._call("update", resource, self._namespace(resource, namespace, obj), meta.name(obj),
                          "status", body=obj)

    def patch(self, resource: str, name: str, patch: dict | list, namespace: str | None = None,
              subresource: str = "", patch_type: str | None = None, dry_run: bool = False,
              field_validation: str | None = None) -> dict:
        """PATCH: a JSON merge patch unless `patch_type` names another
        ("application/strategic-merge-patch+json", "application/json-patch+json")."""
        return self._call("patch", resource, self._namespace(resource, namespace), name, subresource,
                          body=patch, patchType=patch_type, dryRun="All" if dry_run else None,
                          fieldValidation=field_validation)

    def delete(self, resource: str, name: str, namespace: str | None = None,
               propagation_policy: str | None = None, grace_period_seconds: int | None = None,
               dry_run: bool = False, preconditions: dict | None = None) -> dict:
        """DELETE; propagation_policy "Background" (default), "Foreground" or "Orphan"."""
        body = {"apiVersion": "v1", "kind": "DeleteOptions", "preconditions": preconditions} \
            if preconditions else None
        return self._call("delete", resource, self._namespace(resource, namespace), name, body=body,
                          propagationPolicy=propagation_policy, gracePeriodSeconds=grace_period_seconds,
                          dryRun="All" if dry_run else None)

    def bind(self, pod: dict, node_name: str) -> dict:
        """POST pods/<name>/binding: assign `pod` to `node_name` (what the scheduler does)."""
        binding = {"apiVersion": "v1", "kind": "Binding",
                   "metadata": {"name": meta.name(pod), "namespace": meta.namespace(pod)},
                   "target": {"apiVersion": "v1", "kind": "Node", "name": node_name}}
        return self._call("create", "pods", meta.namespace(pod), meta.name(pod), "binding", body=binding)

    def request_token(self, name: str, namespace: str | None = None, audiences: list[str] | None = None,
                      expiration_seconds: int | None = None, bound_object_ref: dict | None = None) -> dict:
        """POST serviceaccounts/<name>/token: a TokenRequest answered with a signed token
        (`bound_object_ref`: {"kind": "Pod", "apiVersion": "v1", "name", "uid"}, as a kubelet sends)."""
        spec = {k: v for k, v in {"audiences": audiences, "expirationSeconds": expiration_seconds,
                                  "boundObjectRef": bound_object_ref}.items() if v is not None}
        return self._call("create", "serviceaccounts", namespace or "default", name, "token",
                          body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec})

    def can_i(self, verb: str, resource: str, namespace: str | None = "default", group: str = "",
              name: str = "", subresource: str = "") -> bool:
        """`kubectl auth can-i VERB RESOURCE`: a SelfSubjectAccessReview, answered by the authorizer."""
        attributes = {"namespace": namespace or "", "verb": verb, "group": group, "resource": resource}
        attributes.update({k: v for k, v in {"name": name, "subresource": subresource}.items() if v})
        review = self._call("create", "selfsubjectaccessreviews",
                            body={"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                  "spec": {"resourceAttributes": attributes}})
        return bool(review["status"]["allowed"])

    def watch(self, resource: str, on_event, namespace: str | None = None,
              resource_version: str | None = None, label_selector: str | None = None,
              field_selector: str | None = None, timeout_seconds: int | None = None, shared: bool = False):
        """Watch changes; `on_event(type, obj)` is called later, in order. Returns a handle with stop().

        `timeout_seconds`: the server ends the watch after that long (an HTTP watch; the
        in-process one lives until stopped). `shared=True` (an informer's watch): in process,
        each object is the shared, frozen one."""
        params = {k: v for k, v in {"resourceVersion": resource_version, "labelSelector": label_selector,
                                    "fieldSelector": field_selector,
                                    "timeoutSeconds": timeout_seconds}.items() if v is not None}
        return self.transport.watch(Request("watch", resource, namespace or "", params=params,
                                            user=self.user_agent, credentials=self.token,
                                            user_agent=self.user_agent, shared=shared), on_event)

    def for_component(self, user_agent: str, token=None) -> "Client":
        """The same transport, for another component: its own credentials, or these."""
        return Client(self.transport, user_agent, self.token_source if token is None else token)


__all__ = ["ApiError", "Client", "InProcessTransport"]
