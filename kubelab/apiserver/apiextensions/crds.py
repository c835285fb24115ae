"""The custom kinds an API server serves, learned from the CustomResourceDefinitions in the store.

Every API server reads the CRDs from the store (so with `kubelab up --apiservers 2` both
serve a CRD created through either): `sync()` ranges over /registry/apiextensions.k8s.io/
customresourcedefinitions/ and rebuilds its table when a CRD changed. It runs before a
request names a resource it does not know, before discovery and OpenAPI answers, and right
after a CRD is written. Upstream watches the CRDs through an informer; a range per sync is
the same information, read when it is needed.

Two of upstream's apiextensions controllers run inside the sync, as they run inside
kube-apiserver:

- the **naming controller** gives a new CRD its `acceptedNames` and the conditions
  `NamesAccepted` (True, reason NoConflicts — or False, reason PluralConflict/KindConflict/...,
  message `"crontabs" is already in use`, when another CRD of the same group has taken them)
  and `Established` (True, reason InitialNamesAccepted). Upstream's establishing controller
  waits for every API server to have seen the names first; kubelab's servers read the store
  on demand, so both conditions are written together. Only an Established CRD is served.
- the **finalizer controller**: a CRD carries the finalizer
  `customresourcecleanup.apiextensions.k8s.io`; once it is being deleted, its objects are
  deleted (kubelab removes them from the store in one transaction — upstream deletes them one
  by one through the API, honouring their finalizers; kubelab does not wait for those) and the
  finalizer is removed, which lets the CRD go. A CRD that is not served any more serves nothing.
"""
from __future__ import annotations

import copy

from ...objects import conditions
from ...store import Op
from ..authentication.user import APISERVER_USER
from ...api.errors import ApiError
from ...api.request import Request
from ...api.printers.table import CUSTOM_TABLES
from ...api.resources import RESOURCES, Resource
from . import scale
from .strategy import CustomResourceStrategy

PREFIX = "/registry/apiextensions.k8s.io/customresourcedefinitions/"
FINALIZER = "customresourcecleanup.apiextensions.k8s.io"

# What the HTTP front (served.py) lists beside the built-in kinds: the custom resources of the
# API server this process runs (one per process under `kubelab up`; in-process, the last synced).
SERVED: dict[str, Resource] = {}
STRATEGIES: dict[str, CustomResourceStrategy] = {}
GENERATION = [0]   # moves whenever the published kinds change (OpenAPI documents are cached by it)


class CustomResources:
    """One API server's view of the CRDs: plural -> strategy, for the Established ones."""

    def __init__(self, server):
        self.server = server
        self.strategies: dict[str, CustomResourceStrategy] = {}
        self._seen: tuple = ()
        self._syncing = False
        self._publish()   # a new API server in this process: what the last one served is gone

    def resource(self, plural: str) -> Resource | None:
        strategy = self.strategies.get(plural)
        return strategy.resource if strategy else None

    def strategy(self, plural: str) -> CustomResourceStrategy | None:
        return self.strategies.get(plural)

    def subresource_handler(self, plural: str, subresource: str, verb: str):
        """The scale subresource of a custom kind whose CRD declares it (scale.py), or None."""
        strategy = self.strategies.get(plural)
        if strategy is None or subresource != "scale" or not strategy.scale or verb not in scale.VERBS:
            return None
        return lambda server, resource, request: scale.VERBS[verb](server, strategy, resource, request)

    def sync(self) -> None:
        """Re-read the CRDs if any changed; name, establish and clean up as upstream's controllers."""
        if self._syncing:
            return
        kvs = self.server.store.range(PREFIX, prefix=True).kvs
        seen = tuple((kv.key, kv.mod_revision) for kv in kvs)
        if seen == self._seen:
            self._publish()
            return
        self._syncing = True
        try:
            crds = [self.server.decode(RESOURCES["customresourcedefinitions"], kv) for kv in kvs]
            for crd in crds:
                if crd["metadata"].get("deletionTimestamp"):
                    self._clean_up(crd)
                elif not conditions.get(crd, "NamesAccepted"):
                    self._name(crd, crds)
            kvs = self.server.store.range(PREFIX, prefix=True).kvs
            self._seen = tuple((kv.key, kv.mod_revision) for kv in kvs)
            strategies = {}
            for kv in kvs:
                crd = self.server.decode(RESOURCES["customresourcedefinitions"], kv)
                if conditions.is_true(crd, "Established") and not crd["metadata"].get("deletionTimestamp"):
                    strategy = CustomResourceStrategy(crd)
                    strategies[strategy.resource.plural] = strategy
            self.strategies = strategies
        finally:
            self._syncing = False
        self._publish()

    def _publish(self) -> None:
        if STRATEGIES == self.strategies:
            return
        GENERATION[0] += 1
        SERVED.clear()
        SERVED.update({plural: s.resource for plural, s in self.strategies.items()})
        STRATEGIES.clear()
        STRATEGIES.update(self.strategies)
        CUSTOM_TABLES.clear()
        CUSTOM_TABLES.update(self.strategies)

    # -- the naming controller ---------------------------------------------------------------
    def _name(self, crd: dict, crds: list[dict]) -> None:
        names = crd["spec"]["names"]
        taken: dict[str, set] = {"plural": set(), "singular": set(), "shortNames": set(), "kind": set(),
                                 "listKind": set()}
        for other in crds:
            accepted = (other.get("status") or {}).get("acceptedNames")
            if other is crd or not accepted or other["spec"]["group"] != crd["spec"]["group"]:
                continue
            for field in ("plural", "singular", "kind", "listKind"):
                taken[field].add(accepted.get(field))
                taken["plural" if field in ("plural", "singular") else field].add(accepted.get(field))
            taken["shortNames"].update(accepted.get("shortNames") or [])
        problem = None
        for field, reason in (("plural", "PluralConflict"), ("singular", "SingularConflict"),
                              ("kind", "KindConflict"), ("listKind", "ListKindConflict")):
            if names.get(field) in taken[field]:
                problem = (reason, f'"{names[field]}" is already in use')
                break
        else:
            clash = [n for n in names.get("shortNames") or [] if n in taken["shortNames"] | taken["plural"]]
            if clash:
                problem = ("ShortNamesConflict", f'"{clash[0]}" is already in use')
        now = self.server.clock.now()
        status = copy.deepcopy(crd.get("status") or {})
        if problem:
            accepted = {"NamesAccepted": ("False", problem[0], problem[1]),
                        "Established": ("False", "NotAccepted", "not all names are accepted")}
        else:
            status["acceptedNames"] = copy.deepcopy(names)
            accepted = {"NamesAccepted": ("True", "NoConflicts", "no conflicts found"),
                        "Established": ("True", "InitialNamesAccepted", "the initial names have been accepted")}
        found = status.get("conditions") or []
        for kind, (value, reason, message) in accepted.items():
            found = conditions.set_condition(found, {"type": kind, "status": value, "reason": reason,
                                                     "message": message}, now)
        status["conditions"] = found
        status.setdefault("storedVersions", [v["name"] for v in crd["spec"]["versions"] if v.get("storage")])
        crd["status"] = status
        self._write_status(crd)

    def _write_status(self, crd: dict) -> None:
        self._own("update", crd, "status")

    # -- the finalizer controller ------------------------------------------------------------
    def _clean_up(self, crd: dict) -> None:
        if FINALIZER not in crd["metadata"].get("finalizers", []):
            return
        spec = crd["spec"]
        names = (crd.get("status") or {}).get("acceptedNames") or spec["names"]
        self.server.store.txn([], [Op.delete(f"/registry/{spec['group']}/{names['plural']}/", prefix=True)])
        crd["metadata"]["finalizers"] = [f for f in crd["metadata"]["finalizers"] if f != FINALIZER]
        self._own("update", crd, "")

    def _own(self, verb: str, crd: dict, subresource: str) -> None:
        """A write by the API server itself (its controllers' identity); a lost race is left to the winner."""
        try:
            self.server.handle(Request(verb, "customresourcedefinitions", "", crd["metadata"]["name"], subresource,
                                       body=crd, user=APISERVER_USER.name, user_info=APISERVER_USER))
        except ApiError as error:
            if error.code not in (404, 409):
                raise
