"""A request to the API server, the same whether it came over HTTP or from an in-process call.

The HTTP front turns `GET /api/v1/namespaces/default/pods?labelSelector=app%3Dweb` into
`Request("list", "pods", namespace="default", params={"labelSelector": "app=web"})`; kubelab's
in-process transport builds the same Request directly. Verbs are Kubernetes' authorization
verbs: get, list, watch, create, update, patch, delete.

Who asks: `credentials` is the bearer token the client presented (HTTP's `Authorization:
Bearer …`); authentication (handler_chain.py) fills in `user_info` — the user, groups and
extras behind it — and sets `user` to that user's name. Until then `user` is only what the
client claims (its user agent); an API server that trusts its clients keeps it.
`user_info` set on arrival marks the API server's own internal requests; transports clear it.
`steps` collects the `Step`s the request path records, each step its own (handler_chain.py).
"""
from __future__ import annotations

import collections
import itertools
from dataclasses import dataclass, field


STEPS = ("authentication", "authorization", "admission", "validation", "store")


@dataclass
class Step:
    """One step of a request's way through the API server, as that step recorded it."""
    name: str            # one of STEPS, or a finer name: "admission: NamespaceLifecycle"
    outcome: str         # "passed" | "refused" | "skipped"
    detail: str = ""


@dataclass
class Request:
    verb: str
    resource: str
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    body: dict | None = None
    params: dict = field(default_factory=dict)  # labelSelector, fieldSelector, resourceVersion, ...
    user: str = "system:admin"                  # who asks: the authenticated user's name
    credentials: str = ""                       # the bearer token presented, if any
    user_agent: str = ""                        # the client's self-description (kubectl, kubelet/node-1)
    user_info: object = None                    # authentication.UserInfo, set by authentication
    steps: list = field(default_factory=list)   # request-path steps recorded so far
    impersonate_user: str = ""                  # kubectl --as (the Impersonate-User header)
    impersonate_groups: list = field(default_factory=list)  # kubectl --as-group
    warnings: list = field(default_factory=list)   # the server's answer's `Warning:` texts (fieldValidation=Warn)
    shared: bool = False   # in process: a list/watch for a cache (an informer) takes the shared, frozen objects


@dataclass(frozen=True)
class TraceEntry:
    """One write the API server accepted: who did what to which object (like the audit log)."""
    time: float
    user: str
    verb: str
    resource: str
    namespace: str
    name: str
    subresource: str = ""
    summary: str = ""
    resource_version: str = ""
    user_agent: str = ""

    @property
    def target(self) -> str:
        sub = f"/{self.subresource}" if self.subresource else ""
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.resource}{sub} {where}{self.name}"


class TraceLog:
    """The API server's trace: the last `keep` entries, numbered from the first ever written.

    Like the audit log's rotation (kube-apiserver's --audit-log-maxsize), old entries go so
    that a cluster left running for a week does not fill its memory with heartbeats. Indexes
    count every entry ever written, so `mark = len(trace)` then `trace[mark:]` still means
    "what happened since", however many entries were dropped in between; an index of an
    entry already dropped reads as nothing.
    """

    def __init__(self, keep: int = 10_000):
        self.keep = keep
        self.written = 0                                  # every entry ever appended
        self._entries: collections.deque[TraceEntry] = collections.deque(maxlen=keep)

    @property
    def dropped(self) -> int:
        return self.written - len(self._entries)

    def append(self, entry: TraceEntry) -> None:
        self._entries.append(entry)
        self.written += 1

    def __len__(self) -> int:
        return self.written

    def __iter__(self):
        return iter(self._entries)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.written)
            start, stop = max(start - self.dropped, 0), max(stop - self.dropped, 0)
            return list(itertools.islice(self._entries, start, stop, step if step > 0 else None))
        if index < 0:
            return self._entries[index]
        if index < self.dropped:
            raise IndexError(f"trace entry {index} was dropped (the trace keeps the last {self.keep})")
        return self._entries[index - self.dropped]
