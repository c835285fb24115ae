"""YAML read as Kubernetes reads it: sigs.k8s.io/yaml, over go-yaml, into JSON values.

kube-apiserver turns a YAML body into JSON before decoding it, and kubectl does the same with
a manifest (sigs.k8s.io/yaml's YAMLToJSON); the API server's body decoder (apiserver/http/
body.py) and kubectl's manifest reader (kubectl/manifests.py) both use this file. go-yaml expands every alias where it is used, so a "billion laughs" document —
nine anchors, each a list of nine aliases of the one before — would grow a few hundred bytes
into billions of values. go-yaml refuses it while decoding, by counting (CVE-2019-11254):

    every node decoded               decodeCount += 1
    ... inside an alias's expansion  aliasCount  += 1
    aliasCount > 100 and decodeCount > 1000 and aliasCount / decodeCount > allowed ratio
        → "yaml: document contains excessive aliasing"

where the allowed ratio is 99 % up to 400,000 decodes, falling smoothly to 10 % at 4,000,000.
An anchor whose value holds an alias of itself is refused too ("anchor 'a' value contains
itself"), and so is a document nested deeper than the API server takes (body.MAX_DEPTH).

kubelab reads the YAML into PyYAML's node graph (where an alias is the same node object as
its anchor, so a bomb costs only its own bytes), then builds plain Python values from it,
expanding aliases as go-yaml does and counting the same way, so a bomb is refused after a
few thousand steps, with memory bounded by what the counts allow. Scalars take go-yaml's
JSON types: timestamps stay strings, integers too large for 64 bits become floats (and, past
float range, strings), keys become strings; `.inf` and `.nan` have no JSON form and are refused.
"""
from __future__ import annotations

import math

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

ALIAS_RATIO_RANGE_LOW, ALIAS_RATIO_RANGE_HIGH = 400_000, 4_000_000


class YAMLBodyError(ValueError):
    """A body go-yaml would refuse; the message is go-yaml's."""


def allowed_alias_ratio(decode_count: int) -> float:
    """go-yaml's allowedAliasRatio: 99 % for small documents, down to 10 % for very large ones."""
    if decode_count <= ALIAS_RATIO_RANGE_LOW:
        return 0.99
    if decode_count >= ALIAS_RATIO_RANGE_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decode_count - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW)


# libyaml's parser (C) when PyYAML has it: the pure-Python scanner is quadratic in nesting
# (20,000 "[" take a minute), libyaml's is linear and stops at 1,000 levels by itself.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STARTS = {yaml.SequenceStartEvent: SequenceNode, yaml.MappingStartEvent: MappingNode}


def load(text: str, max_depth: int = 100):
    """The one YAML document as JSON-able Python values; YAMLBodyError with go-yaml's words."""
    documents = load_all(text, max_depth)
    if len(documents) > 1:
        raise YAMLBodyError("yaml: expected a single document in the stream")
    return documents[0] if documents else None


def load_all(text: str, max_depth: int = 100) -> list:
    """Every document of the stream (`---` between them), each expanded and counted on its own."""
    loader = _Loader(text)
    try:
        documents = []
        while True:
            node, anchor_names, more = _compose(loader, max_depth)
            if node is not None or more:
                documents.append(None if node is None else _Expander(loader, max_depth, anchor_names).value(node, 1))
            if not more:
                return documents
    finally:
        loader.dispose()


def _compose(loader, max_depth: int):
    """The next document's node graph, built from the parser's events without recursion: an
    alias is its anchor's node object, so the graph costs no more than the text.
    (root, anchor names, whether a document ended: False at the end of the stream)"""
    anchors: dict[str, object] = {}
    names: dict[int, str] = {}
    open_nodes: list = []        # collections being filled, outermost first
    pending_keys: list = []      # per open mapping: the key waiting for its value (or None)
    root = None
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, yaml.DocumentStartEvent):
            continue
        if isinstance(event, yaml.DocumentEndEvent):
            return root, names, True
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            open_nodes.pop()
            pending_keys.pop()
            continue
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise YAMLBodyError(f"yaml: unknown anchor '{event.anchor}' referenced")
            node = anchors[event.anchor]
        elif isinstance(event, yaml.ScalarEvent):
            tag = event.tag if event.tag not in (None, "!") else loader.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        elif type(event) in _STARTS:
            kind = _STARTS[type(event)]
            tag = event.tag if event.tag not in (None, "!") else loader.resolve(kind, None, event.implicit)
            node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        else:
            continue   # stream start and end
        if not isinstance(event, yaml.AliasEvent) and event.anchor is not None:
            anchors[event.anchor], names[id(node)] = node, event.anchor
        if not open_nodes:
            root = node
        elif isinstance(open_nodes[-1], SequenceNode):
            open_nodes[-1].value.append(node)
        elif pending_keys[-1] is None:
            pending_keys[-1] = node
        else:
            open_nodes[-1].value.append((pending_keys[-1], node))
            pending_keys[-1] = None
        if type(event) in _STARTS:
            open_nodes.append(node)
            pending_keys.append(None)
            if len(open_nodes) > max_depth:
                raise YAMLBodyError(f"yaml: exceeded max depth of {max_depth}")
    return root, names, False


class _Expander:
    def __init__(self, loader, max_depth: int, anchor_names: dict[int, str]):
        self.loader, self.max_depth, self.anchor_names = loader, max_depth, anchor_names
        self.decode_count = self.alias_count = 0
        self.expanding: dict[int, str] = {}   # id(anchored node) -> its anchor name, while inside it
        self.seen: dict[int, int] = {}        # id(node) -> times met (a second meeting is an alias)

    def _count(self, in_alias: bool) -> None:
        self.decode_count += 1
        if in_alias:
            self.alias_count += 1
        if self.alias_count > 100 and self.decode_count > 1000 and \
                self.alias_count / self.decode_count > allowed_alias_ratio(self.decode_count):
            raise YAMLBodyError("yaml: document contains excessive aliasing")

    def value(self, node, depth: int, in_alias: bool = False):
        if depth > self.max_depth:
            raise YAMLBodyError(f"yaml: exceeded max depth of {self.max_depth}")
        key = id(node)
        if key in self.expanding:
            raise YAMLBodyError(f"yaml: anchor '{self.expanding[key]}' value contains itself")
        # PyYAML resolves an alias to its anchor's node: meeting a node again is an alias's expansion.
        again = self.seen.get(key, 0) > 0
        self.seen[key] = self.seen.get(key, 0) + 1
        in_alias = in_alias or again
        self._count(in_alias)
        if isinstance(node, ScalarNode):
            return _scalar(self.loader, node)
        self.expanding[key] = self.anchor_names.get(key, "")
        try:
            if isinstance(node, SequenceNode):
                return [self.value(item, depth + 1, in_alias) for item in node.value]
            if isinstance(node, MappingNode):
                self.loader.flatten_mapping(node)   # "<<" merge keys, as go-yaml honours them
                out = {}
                for key_node, value_node in node.value:
                    out[_key(self.loader, key_node)] = self.value(value_node, depth + 1, in_alias)
                return out
        finally:
            del self.expanding[key]
        raise YAMLBodyError("yaml: unknown node")


def _scalar(loader, node: ScalarNode):
    tag = node.tag
    if tag == "tag:yaml.org,2002:int":
        digits = node.value.replace("_", "").lstrip("+-")
        if len(digits) > 20:   # beyond 64 bits: go-yaml tries a float, then keeps the text
            try:
                number = float(node.value.replace("_", ""))
            except ValueError:
                return node.value
            return number if math.isfinite(number) else node.value
        return loader.construct_object(node)
    if tag == "tag:yaml.org,2002:float":
        number = loader.construct_object(node)
        if math.isnan(number) or math.isinf(number):
            raise YAMLBodyError(f"json: unsupported value: {_go_float(number)}")
        return number
    if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"):
        return loader.construct_object(node)
    return node.value   # strings, timestamps (kept as text, as go-yaml does into interface{}), binary


def _key(loader, node) -> str:
    if not isinstance(node, ScalarNode):
        raise YAMLBodyError("yaml: invalid map key: a key must be a scalar")
    value = _scalar(loader, node)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, float) else repr(value)


def _go_float(number: float) -> str:
    return "NaN" if math.isnan(number) else ("+Inf" if number > 0 else "-Inf")
