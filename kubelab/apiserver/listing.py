"""LIST: the query a list asks — label and field selectors, an exact revision — then its pages.

`?labelSelector=app=web` and `?fieldSelector=spec.nodeName=node-1` filter what the store
holds; a field selector may name only the fields the kind supports (its strategy's
`field_selectors`: every kind has metadata.name and metadata.namespace, pods have
spec.nodeName, status.phase, …), otherwise 400 "field label not supported".
`resourceVersionMatch=Exact` reads the world at one past revision. The pages themselves are
pagination.py's. Parameters are checked before the store is read, so a bad query is the
validation step's refusal and a good one the store's answer (server.py records both).

With the watch cache on (watch_cache.py), a list that asks for no exact revision, no `limit`
and no `continue` is read from the cache: the same objects in the same order at the same
resourceVersion (the cache is current at the store's revision), without decoding anything.
"""
from __future__ import annotations

from typing import Callable

from ..api import errors
from ..objects import meta, selector
from . import pagination, watch_cache, watch_list


def query(server, resource, request) -> Callable[[], dict]:
    """Check the list's parameters (400 if one is bad); returns the read that makes the List."""
    watch_list.validate_list(request.params)
    try:
        labels = selector.parse(request.params.get("labelSelector"))
        fields = server.field_requirements(resource, request.params.get("fieldSelector"))
    except selector.SelectorError as error:
        raise errors.bad_request(str(error))
    revision = 0
    if request.params.get("resourceVersionMatch") == "Exact":
        version = str(request.params.get("resourceVersion") or "")
        if not version.isdigit() or version == "0":
            raise errors.bad_request(f'invalid resource version "{version}"')
        revision = int(version)

    def keep(obj: dict) -> bool:
        return selector.matches(labels, meta.labels(obj)) and selector.fields_match(fields, obj)

    def read() -> dict:
        cache = None if revision or request.params.get("limit") or request.params.get("continue") \
            else watch_cache.cache_for(server, resource)
        if cache is not None:
            items = cache.list(request.namespace, keep, _single_name(fields))
            metadata = {"resourceVersion": str(server.store.revision)}
        else:
            items, metadata = pagination.list_page(
                server, resource, request, resource.prefix(request.namespace), revision, keep)
        return {"apiVersion": resource.api_version, "kind": f"{resource.kind}List", "metadata": metadata,
                "items": items}
    return read


def _single_name(fields) -> str | None:
    """The one name a field selector pins (metadata.name=NAME), if it does."""
    return next((value for path, op, value in fields if path == "metadata.name" and op == "="), None)


def field_requirements(strategy, text: str | None):
    """The parsed field selector; SelectorError for a field the kind does not support."""
    requirements = selector.parse_fields(text)
    for path, _, _ in requirements:
        if path not in strategy.field_selectors:
            raise selector.SelectorError(f'field label not supported: {path}')
    return requirements
