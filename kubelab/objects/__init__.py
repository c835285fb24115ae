"""Helpers that name the common fields of Kubernetes objects, kept as plain dicts.

There is no model layer: an object is the JSON Kubernetes would send, as a `dict`. These
helpers only read or build such dicts, so teaching code can say `meta.name(pod)` instead of
`pod["metadata"]["name"]`.
"""
