"""What this server answers for: the stored resources of resources.py, and the reviews.

Most resources are objects in the store. A few are questions instead: a
SelfSubjectAccessReview ("may I create pods?", what `kubectl auth can-i` sends) is created,
answered by the authorizer (authorization/review.py) and never stored. They still have REST
paths, discovery entries and schemas, so they are listed here beside the stored ones, with
the only verb they take: create.
"""
from __future__ import annotations

from ..authorization import REVIEW_KINDS
from ..authorization.review import GROUP as REVIEW_GROUP
from ..apiextensions.crds import SERVED as CUSTOM
from ...api.resources import RESOURCES, Resource


def served() -> dict[str, Resource]:
    """plural -> Resource for everything that has a REST path (read now: kinds may be added)."""
    reviews = {plural: Resource(plural, kind, REVIEW_GROUP, "v1", False, "", verbs=("create",))
               for plural, kind in REVIEW_KINDS.items()}
    return {**RESOURCES, **reviews, **CUSTOM}
