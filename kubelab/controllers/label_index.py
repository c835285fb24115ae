"""Pods by label: a Service's or a budget's pods without reading the whole namespace.

The endpoints, EndpointSlice and disruption controllers each ask, at every sync, "which pods
of this namespace does this selector pick?". Upstream asks its pod lister
(`podLister.Pods(ns).List(selector)`), which walks every pod of the namespace: a Service of
10 pods in a namespace of 3,000 reads 3,000 pods at each of its syncs, and it is synced at
each change of one of its pods.

This is an index on the shared pod informer (client-go's Indexer; informer.add_indexers):
one value per label, "<namespace>/<key>=<value>". A selector's matchLabels terms each name
one set of pods; the smallest is read and the whole selector checked on it — the same pods,
in the same order (by key), as the namespace walk gives (a selector of one term, as most
Services', is that set exactly: nothing to check). A selector with no matchLabels term
(only expressions, or empty) still walks the namespace.

Cost: one index entry per label of every pod, kept current on each pod event.
"""
from __future__ import annotations

from ..objects import meta, selector

LABEL_INDEX = "namespace-label"


def label_index(pod: dict) -> list[str]:
    """Index values of a pod: "<namespace>/<key>=<value>" for each of its labels."""
    namespace = meta.namespace(pod)
    return [f"{namespace}/{key}={value}" for key, value in meta.labels(pod).items()]


def pods_selected(pods, namespace: str, label_selector: dict | None) -> list[dict]:
    """The namespace's pods a LabelSelector picks, sorted by key (as `pods.list(namespace, s)`)."""
    terms = (label_selector or {}).get("matchLabels") or {}
    if not terms:
        return pods.list(namespace, label_selector)
    index = pods.indices[LABEL_INDEX]
    narrowest = min((f"{namespace}/{key}={value}" for key, value in terms.items()),
                    key=lambda value: len(index.get(value, ())))
    if len(terms) == 1 and not label_selector.get("matchExpressions"):
        return pods.by_index(LABEL_INDEX, narrowest)   # the one term is the index value: all match
    requirements = selector.from_label_selector(label_selector)
    return [pod for pod in pods.by_index(LABEL_INDEX, narrowest)
            if selector.matches(requirements, meta.labels(pod))]
