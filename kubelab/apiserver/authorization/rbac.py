"""RBAC: a request is allowed if some binding gives the user a role with a matching rule.

    Role / ClusterRole          rules: apiGroups × resources × verbs [× resourceNames]
                                       or nonResourceURLs × verbs (ClusterRole only)
    RoleBinding (namespace NS)  subjects → a Role in NS, or a ClusterRole used inside NS only
    ClusterRoleBinding          subjects → a ClusterRole, everywhere
    subjects                    User "alice" | Group "system:masters" | ServiceAccount NS/NAME

Invariant: RBAC only ever *adds* permissions. There is no deny rule; a request no rule
matches gets "no opinion", which (as the last authorizer) becomes 403 Forbidden.

Like upstream, the authorizer reads roles and bindings from a cache, not from the store on
every request: four store watches keep `PolicyCache` current (upstream uses informers).
Reading the live objects means a new RoleBinding takes effect at once — try it in a lesson.
On top of it, two memos that every policy change empties (the cache's `generation`): the rules
a user holds in a namespace, flattened in binding order with the reason each would give, and
the decision for each (user, groups, namespace, verb, group, resource, subresource[, name])
asked — a component asks the same few questions thousands of times, and walking every
binding's subjects for each was a tenth of a request's cost. The name is in the key only
when a rule naming resources (`resourceNames`) could answer that question, so a scheduler
binding 100,000 pods asks one question, not 100,000.

Writing a Role or a binding that grants more than the writer holds is refused unless the
writer may `escalate` or `bind` (registry/rbac_escalation.py, as upstream's RBAC storage).
Real Kubernetes also aggregates ClusterRoles by label selector in a controller; kubelab
stores `admin`, `edit` and `view` with their rules already aggregated.
"""
from __future__ import annotations

import json
from dataclasses import replace

from ..authentication.user import UserInfo, service_account_username
from .attributes import Attributes

RBAC_KINDS = ("roles", "rolebindings", "clusterroles", "clusterrolebindings")


# -- rule matching (upstream: plugin/pkg/auth/authorizer/rbac/rbac.go, RuleAllows) --------
def verb_matches(rule: dict, verb: str) -> bool:
    return any(v in ("*", verb) for v in rule.get("verbs") or [])


def api_group_matches(rule: dict, group: str) -> bool:
    return any(g in ("*", group) for g in rule.get("apiGroups") or [])


def resource_matches(rule: dict, resource: str, subresource: str) -> bool:
    """"*" matches all; "pods/log" matches the subresource; "*/scale" matches any resource's scale."""
    combined = f"{resource}/{subresource}" if subresource else resource
    for wanted in rule.get("resources") or []:
        if wanted in ("*", combined) or (subresource and wanted == f"*/{subresource}"):
            return True
    return False


def resource_name_matches(rule: dict, name: str) -> bool:
    names = rule.get("resourceNames") or []
    return not names or name in names


def non_resource_url_matches(rule: dict, path: str) -> bool:
    for wanted in rule.get("nonResourceURLs") or []:
        if wanted == "*" or wanted == path or (wanted.endswith("*") and path.startswith(wanted[:-1])):
            return True
    return False


def rule_allows(attributes: Attributes, rule: dict) -> bool:
    """Does this one PolicyRule allow the request?"""
    if not verb_matches(rule, attributes.verb):
        return False
    if not attributes.resource_request:
        return non_resource_url_matches(rule, attributes.path)
    return api_group_matches(rule, attributes.api_group) and \
        resource_matches(rule, attributes.resource, attributes.subresource) and \
        resource_name_matches(rule, attributes.name)


def _first_allowing(rules: list[tuple[dict, str]], attributes: Attributes) -> tuple[tuple[str, str], bool]:
    """The answer of the first rule that allows the request, and whether that answer depends on
    the object's name: it does when a rule naming resources (`resourceNames`) would match the
    request but for the name, before the first rule that allows it whatever the name."""
    by_name = False
    for rule, reason in rules:
        if rule.get("resourceNames") and attributes.resource_request:
            if rule_allows(attributes, rule):
                return ("allow", reason), True
            if rule_allows(replace(attributes, name=rule["resourceNames"][0]), rule):
                by_name = True   # another name would have been allowed here
        elif rule_allows(attributes, rule):
            return ("allow", reason), by_name
    return ("no-opinion", ""), by_name


def subject_matches(subject: dict, user: UserInfo, binding_namespace: str) -> bool:
    kind = subject.get("kind")
    if kind == "User":
        return subject.get("name") == user.name
    if kind == "Group":
        return user.in_group(subject.get("name", ""))
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return user.name == service_account_username(namespace, subject.get("name", ""))
    return False


def describe_subject(subject: dict, binding_namespace: str) -> str:
    """How upstream names a subject in its "allowed by" reasons (a service account as NAME/NAMESPACE)."""
    if subject.get("kind") == "ServiceAccount":
        return f'ServiceAccount "{subject.get("name")}/{subject.get("namespace") or binding_namespace}"'
    return f'{subject.get("kind")} "{subject.get("name")}"'


# -- the policy, cached from the store ------------------------------------------------------
class PolicyCache:
    """Roles, ClusterRoles and their bindings, kept current by watching the store."""

    def __init__(self, store):
        self.store = store
        self._bindings: dict[str, list] = {}  # namespace -> bindings(namespace); emptied on any change
        self._generation = 0  # bumped on every change, so a list computed across one is not kept
        self._watchers, self._stale = [], False
        self._list_and_watch()

    def _list_and_watch(self) -> None:
        """List the four kinds, then watch from just after; again whenever a watch ends (the
        store restarted or compacted past it), as an informer relists — a binding deleted
        meanwhile must stop granting."""
        for watcher in self._watchers:
            watcher.cancel()
        objects: dict[str, dict[str, dict]] = {kind: {} for kind in RBAC_KINDS}  # kind -> key -> obj
        watchers = []
        for kind in RBAC_KINDS:
            prefix = f"/registry/{kind}/"
            listed = self.store.range(prefix, prefix=True)
            for kv in listed.kvs:
                objects[kind][kv.key] = json.loads(kv.value)
            watchers.append(self.store.watch(prefix, self._on_change(objects[kind]), prefix=True,
                                             start_revision=listed.revision + 1))
        self.objects, self._watchers, self._stale = objects, watchers, False
        self._generation += 1
        self._bindings.clear()

    def _relist_if_stale(self) -> None:
        if self._stale:
            self._list_and_watch()   # a store still away raises: the request fails, nothing is granted

    def _on_change(self, cache: dict[str, dict]):
        """A watch's callback, writing into the dict of the listing it continues: a real etcd calls
        back from its reader thread, possibly before `self.objects` is assigned."""
        def on_change(response) -> None:
            if getattr(response, "canceled", False):
                self._stale = True
                self._generation += 1
                self._bindings.clear()
                return
            for event in getattr(response, "events", response):
                if event.type == "DELETE":
                    cache.pop(event.kv.key, None)
                else:
                    cache[event.kv.key] = json.loads(event.kv.value)
            self._generation += 1  # after the change: a list computed from older objects is not kept
            self._bindings.clear()
        return on_change

    @property
    def generation(self) -> int:
        """Bumped by every change to a Role, ClusterRole or binding (and every relist)."""
        return self._generation

    def role(self, kind: str, namespace: str, name: str) -> dict | None:
        self._relist_if_stale()
        if kind == "ClusterRole":
            return self.objects["clusterroles"].get(f"/registry/clusterroles/{name}")
        return self.objects["roles"].get(f"/registry/roles/{namespace}/{name}")

    def bindings(self, namespace: str) -> list[tuple[str, dict]]:
        """ClusterRoleBindings, then the RoleBindings of `namespace`, in key order."""
        self._relist_if_stale()
        found = self._bindings.get(namespace)
        if found is None:
            generation = self._generation
            found = self._collect_bindings(namespace)
            if generation == self._generation:  # (a store watch may call back from another thread)
                self._bindings[namespace] = found
        return found

    def _collect_bindings(self, namespace: str) -> list[tuple[str, dict]]:
        found = [("ClusterRoleBinding", b) for _, b in sorted(self.objects["clusterrolebindings"].items())]
        if namespace:
            prefix = f"/registry/rolebindings/{namespace}/"
            found += [("RoleBinding", b) for key, b in sorted(self.objects["rolebindings"].items())
                      if key.startswith(prefix)]
        return found

    def stop(self) -> None:
        for watcher in self._watchers:
            watcher.cancel()


class RBACAuthorizer:
    """Allows a request when a binding of the user grants a matching rule; else no opinion."""

    name = "RBAC"
    MEMO_LIMIT = 8192   # decisions kept; emptied whole when full (a cluster asks far fewer questions)

    def __init__(self, policy: PolicyCache):
        self.policy = policy
        self._memo_generation = -1
        self._held: dict[tuple, list] = {}   # (name, groups, namespace) -> [(rule, reason)], binding order
        self._decisions: dict[tuple, tuple[str, str]] = {}   # the question -> its answer

    def authorize(self, attributes: Attributes) -> tuple[str, str]:
        """("allow", reason) or ("no-opinion", "") — RBAC never denies outright."""
        generation = self.policy.generation
        bindings = self.policy.bindings(attributes.namespace)   # (relists first if its watch ended)
        if self.policy.generation != generation:   # it relisted (or changed from another thread)
            generation, bindings = self.policy.generation, self.policy.bindings(attributes.namespace)
        if generation != self._memo_generation:   # the policy changed: nothing remembered holds
            self._held, self._decisions = {}, {}
            self._memo_generation = generation
        user = attributes.user
        who = (user.name, user.groups, attributes.namespace)
        held = self._held.get(who)
        if held is None:
            held = self._rules_held(bindings, user)
            if len(self._held) >= self.MEMO_LIMIT:
                self._held = {}
            if self.policy.generation == generation:   # (a store watch may call back from another thread)
                self._held[who] = held
        question = (who, attributes.verb, attributes.resource_request, attributes.path, attributes.api_group,
                    attributes.resource, attributes.subresource)
        answer = self._decisions.get(question) or self._decisions.get((*question, attributes.name))
        if answer is None:
            answer, by_name = _first_allowing(held, attributes)
            if len(self._decisions) >= self.MEMO_LIMIT:
                self._decisions = {}
            if self.policy.generation == generation:   # (a store watch may call back from another thread)
                self._decisions[(*question, attributes.name) if by_name else question] = answer
        return answer

    def _rules_held(self, bindings: list[tuple[str, dict]], user: UserInfo) -> list:
        """Every rule `user` holds through `bindings`, in order, each with the reason it would give."""
        rules = []
        for kind, binding in bindings:
            binding_namespace = binding["metadata"].get("namespace", "")
            subjects = [s for s in binding.get("subjects") or []
                        if subject_matches(s, user, binding_namespace)]
            if not subjects:
                continue
            role_ref = binding.get("roleRef") or {}
            role = self.policy.role(role_ref.get("kind", ""), binding_namespace, role_ref.get("name", ""))
            if role is None:
                continue
            reason = self._reason(kind, binding, role_ref, subjects[0])
            rules += [(rule, reason) for rule in role.get("rules") or []]
        return rules

    def rules_for(self, user: UserInfo, namespace: str) -> list[dict]:
        """Every rule the user holds in `namespace` (what SelfSubjectRulesReview lists)."""
        rules = []
        for _, binding in self.policy.bindings(namespace):
            binding_namespace = binding["metadata"].get("namespace", "")
            if any(subject_matches(s, user, binding_namespace) for s in binding.get("subjects") or []):
                ref = binding.get("roleRef") or {}
                role = self.policy.role(ref.get("kind", ""), binding_namespace, ref.get("name", ""))
                rules += (role or {}).get("rules") or []
        return rules

    @staticmethod
    def _reason(kind: str, binding: dict, role_ref: dict, subject: dict) -> str:
        metadata = binding["metadata"]
        where = f'{kind} "{metadata["name"]}"' if kind == "ClusterRoleBinding" else \
            f'{kind} "{metadata["name"]}/{metadata["namespace"]}"'
        return (f'RBAC: allowed by {where} of {role_ref.get("kind")} "{role_ref.get("name")}" '
                f'to {describe_subject(subject, metadata.get("namespace", ""))}')
