"""LIST in pages: `limit` and `continue`, each page read at the first page's revision.

    GET /api/v1/pods?limit=500                → 500 pods + metadata.continue = "eyJ2Ijo..."
    GET /api/v1/pods?limit=500&continue=eyJ2…  → the next 500, as they were at that revision

The continue token is opaque to clients but not secret: base64 of {"v": "meta.k8s.io/v1",
"rv": <revision of the first page>, "start": <the key to resume from, after the prefix>} —
upstream's format. Every page is a range read of the store *at that revision*, so the pages
together are one consistent snapshot even while writers carry on. Once the store compacts
past that revision the snapshot is gone and the next page is 410 Expired.

With a label or field selector, a page is filled by reading chunks of `limit` keys until
`limit` objects matched or the keys run out (so a page may hold fewer items than `limit`
yet carry a continue token, as upstream's pages do). Without a selector the list says how
many objects remain (metadata.remainingItemCount).
"""
from __future__ import annotations

import base64
import json

from ..store import CompactedError, FutureRevisionError, StoreError, prefix_end
from ..api import errors

CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can start a "
    "new list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - "
    "objects that were created, modified, or deleted between the time the first chunk was returned and "
    "now may show up in the list.")


_JSON_TYPES = {"list": "array", "str": "string", "int": "number", "float": "number", "bool": "bool"}


def encode_continue(revision: int, start: str) -> str:
    token = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    """(revision, start key after the prefix) from a continue token; 400 if it is not one of ours."""
    try:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except ValueError as error:   # not base64, not UTF-8, not JSON: Go's decoders say which
            raise ValueError(f"continue key is not valid: {error}")
        if not isinstance(data, dict):
            raise ValueError(f"continue key is not valid: json: cannot unmarshal "
                             f"{_JSON_TYPES.get(type(data).__name__, 'value')} "
                             f"into Go value of type storage.continueToken")
        if data.get("v") != "meta.k8s.io/v1" or not isinstance(data.get("rv"), int) or data["rv"] <= 0:
            raise ValueError("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        start = data.get("start", "")
        if not isinstance(start, str) or start.startswith("/") or ".." in start.split("/"):
            raise ValueError("continue key is not valid: key has invalid path")
        return data["rv"], start
    except (ValueError, TypeError, AttributeError) as error:
        raise errors.bad_request(f"invalid continue token: {error}")


def list_page(server, resource, request, prefix: str, revision: int, keep) -> tuple[list, dict]:
    """(items, list metadata) of one page; `keep(obj)` says whether the selectors match."""
    limit = _limit(request.params.get("limit"))
    start, token_revision = prefix, 0
    if request.params.get("continue"):
        token_revision, suffix = decode_continue(str(request.params["continue"]))
        start, revision = prefix + suffix, token_revision
    items, end = [], prefix_end(prefix)
    while True:
        try:
            response = server.store.range(start, end, revision=revision, limit=(limit - len(items)) if limit else 0)
        except CompactedError:
            if token_revision:
                expired = errors.gone(CONTINUE_EXPIRED)
                expired.status["metadata"] = {"continue": encode_continue(server.store.revision,
                                                                          start[len(prefix):])}
                raise expired
            raise errors.gone("The resourceVersion for the provided list is too old.")
        except FutureRevisionError:
            # Upstream waits up to 3 s for the cache to catch up, then answers 504.
            raise errors.ApiError(errors.status(
                504, "Timeout", f"Too large resource version: {revision}, current: {server.store.revision}",
                {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                 "retryAfterSeconds": 1}))
        except StoreError as error:
            raise errors.ApiError(errors.status(500, "InternalError", str(error)))
        revision = revision or response.revision
        items += [obj for obj in (server.decode(resource, kv) for kv in response.kvs) if keep(obj)]
        if not response.more:
            return items, {"resourceVersion": str(revision)}
        start = response.kvs[-1].key + "\0"  # the next key after the last one read
        if len(items) >= limit:
            metadata = {"resourceVersion": str(revision), "continue": encode_continue(revision, start[len(prefix):])}
            if not request.params.get("labelSelector") and not request.params.get("fieldSelector"):
                metadata["remainingItemCount"] = response.count - len(response.kvs)
            return items, metadata


def _limit(value) -> int:
    try:
        limit = int(value or 0)
    except (TypeError, ValueError):
        raise errors.bad_request(f'invalid limit "{value}"')
    return max(limit, 0)
