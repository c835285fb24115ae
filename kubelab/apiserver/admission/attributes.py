"""What an admission plugin is told about a request (upstream's admission.Attributes)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

from ...api import errors


@dataclass
class Attributes:
    operation: str                 # "CREATE" | "UPDATE" | "DELETE" | "CONNECT"
    resource: str                  # plural: "pods"
    group: str                     # API group: "" for core
    namespace: str
    name: str
    object: dict | None            # the object being written (mutating plugins may change it)
    old_object: dict | None = None # the stored object, for UPDATE and DELETE
    subresource: str = ""
    user: str = ""
    dry_run: bool = False
    # Reads for plugins that need the cluster's state (upstream gives them informers):
    # lookup("serviceaccounts", "default", "default") -> dict or None.
    lookup: Callable[[str, str, str], dict | None] = lambda resource, namespace, name: None
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    groups: tuple[str, ...] = ()   # the user's groups (NodeRestriction knows a kubelet by system:nodes)

    def forbid(self, why: str) -> None:
        """Refuse the request with upstream's 403: `<resource> "<name>" is forbidden: <why>`."""
        raise errors.forbidden(self.resource, self.group, self.name, why)
