"""Authorization: may this user do this? (Node, then RBAC; 403 if neither allows)."""
from .attributes import Attributes, for_path, for_request
from .authorizer import AlwaysAllow, Authorizer, forbidden, forbidden_message
from .node import NodeAuthorizer
from .rbac import PolicyCache, RBACAuthorizer
from .review import REVIEW_KINDS, review

__all__ = ["AlwaysAllow", "Attributes", "Authorizer", "NodeAuthorizer", "PolicyCache", "RBACAuthorizer",
           "REVIEW_KINDS", "for_path", "for_request", "forbidden", "forbidden_message", "review"]
