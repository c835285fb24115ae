"""JSON merge patch (RFC 7386): the patch kubelab's clients send.

A patch is a partial object: keys it names replace the target's, nested objects merge, and a
`null` deletes a key. Lists are replaced whole — which is why kubectl uses a *strategic*
merge patch for lists of containers; that one comes with the HTTP API server.
"""
from __future__ import annotations

import copy


def merge_patch(target, patch):
    """The result of applying merge patch `patch` to `target` (neither is modified)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
