"""Story: a fuzzer reads the OpenAPI this server serves and throws thousands of odd requests at it.

The fuzzer knows nothing but what a client can learn: /openapi/v3 lists every path and
operation (create, get, list/watch, update, patch, delete; the status subresources) with its
query parameters and the schema of its body. From that it builds requests with hypothesis:
bodies drawn from the schemas (and from small valid objects the schemas then bend), every
patch content type, odd names, namespaces, label and field selectors, resourceVersions,
limits and continue tokens, watches, malformed JSON and YAML, bodies over 3 MiB, and
requests with no token, a bad token, or a token that RBAC allows only to read.

What must hold for every one of them:

- no 5xx: bad input is the client's fault, answered as a 4xx `Status` of the same code;
  the two 5xx upstream itself gives for well-formed requests are kept (an object the store
  refuses as too large, 500 "etcdserver: request is too large"; a list at a resourceVersion
  from the future, 504 "Too large resource version"), and they change nothing either;
- a refused request (4xx) leaves the store as it was: same revision, same keys and values;
- the server keeps serving: /readyz answers 200 throughout and at the end.

Deterministic: `derandomize=True` draws the same requests on every run, no example database.
"""
from __future__ import annotations

import base64
import collections
import http.client
import json
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kubelab.apiserver.http.process import start_apiserver
from kubelab.client import Client
from kubelab.client.http import HTTPTransport

ADMIN = "fuzz0123456789abcdef0123456789ab"
# FUZZ_EXAMPLES=5000 runs a longer fuzz (the suite's run is the default, 5,200 requests).
EXAMPLES, REQUESTS_PER_EXAMPLE = int(os.environ.get("FUZZ_EXAMPLES", 520)), 10       # 5,200 requests
# A message that names Python's internals is a crash caught too late, not upstream's words.
PYTHON_LEAKS = ("has no attribute", "NoneType", "object is not", "Traceback", "unhashable", "not subscriptable",
                "takes no arguments", "unsupported operand")
TOO_LARGE = "etcdserver: request is too large"  # upstream's one 500 for a well-formed request

NAMES = ["fuzz-a", "fuzz-b", "fuzz-c", "kubernetes", "default", "view"]
BAD_NAMES = ["UPPER", "a..b", "-lead", "trail-", "a_b", "x" * 254, "ünï", "a b", "..", ".", "a%2Fb", "é" * 3]
NAMESPACES = ["default"] * 6 + ["kube-system", "fuzz-ns", "no-such-namespace", "Bad_NS", "x" * 64]
SELECTORS = ["", "app=web", "app!=web", "app in (a,b)", "app notin (a)", "!app", "app", "a=b,c!=d",
             "app in (", "=x", "a==b==c", "a in ()", "x" * 70 + "=y", "a=" + "v" * 70, "a/b/c=d", ",", "a,,b",
             "metadata.name=fuzz-a", "spec.nodeName=", "status.phase!=Running", "nosuchfield=1"]
VERSIONS = ["", "0", "1", "2", "-1", "abc", "99999999999", "18446744073709551616", "1.5", " 3", "0x10"]
KINDS_OF_TOKEN = ["admin"] * 17 + ["none", "bad", "viewer"]

TEMPLATES = {
    "Pod": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}},
    "Service": {"spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}},
    "Endpoints": {"subsets": [{"addresses": [{"ip": "10.1.0.1"}], "ports": [{"port": 80}]}]},
    "Event": {"involvedObject": {"kind": "Pod", "name": "fuzz-a", "namespace": "default"},
              "reason": "Fuzzed", "message": "hello", "type": "Normal"},
    "ReplicaSet": {"spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
    "ConfigMap": {"data": {"key": "value"}},
    "Secret": {"stringData": {"key": "value"}},
    "ServiceAccount": {},
    "Lease": {"spec": {"holderIdentity": "me", "leaseDurationSeconds": 15}},
    "Role": {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
    "ClusterRole": {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
    "RoleBinding": {"subjects": [{"kind": "User", "name": "u"}],
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}},
    "Namespace": {}, "Node": {},
    "SelfSubjectAccessReview": {"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}},
}
TEMPLATES.update({"Binding": {"target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}}, "Eviction": {},
                  "Scale": {"spec": {"replicas": 2}}, "TokenRequest": {"spec": {"audiences": ["api"]}}})
TEMPLATES["Deployment"] = TEMPLATES["ReplicaSet"]
_BOMB = "a0: &a0 [x,x,x,x,x,x,x,x,x]\n" + "".join(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]\n"
                                                  for n in range(1, 10))
HOSTILE_BODIES = [   # nesting, aliasing, encodings, numbers: each a 400 (or a replacement character), never a 500
    (b'{"metadata":' + b"[" * 1000 + b"]" * 1000 + b"}", "application/json"),
    (b'{"metadata":{"labels":' + b'{"a":' * 300 + b"1" + b"}" * 300 + b"}}", "application/json"),
    (b"metadata: " + b"[" * 1000, "application/yaml"),
    (_BOMB.encode(), "application/yaml"),
    (b"a: &a [*a]\n", "application/yaml"),
    (b'{"metadata":{"name":"fuzz-a","labels":{"a":"\\ud800"}}}', "application/json"),
    (b'{"spec":{"replicas":' + b"9" * 5000 + b"}}", "application/json"),
    (b'{"metadata":{"generation":' + b"9" * 25 + b"}}", "application/json"),
    (b'{"spec":{"replicas":NaN}}', "application/json"),
    (b'{"spec":{"replicas":1e400}}', "application/json"),
    (b"spec: {replicas: .inf}\n", "application/yaml"),
]
TEMPLATES["ClusterRoleBinding"] = TEMPLATES["RoleBinding"]


# -- the server under test: in this process, so the fuzzer can hold its store -----------------
@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    tokens = tmp_path_factory.mktemp("fuzz") / "tokens.csv"
    tokens.write_text(f'{ADMIN},kubernetes-admin,kubernetes-admin,"system:masters"\n')
    running = start_apiserver(port=0, token_auth_file=str(tokens))
    admin = Client(HTTPTransport(running.url, ADMIN), "fuzz-setup")
    admin.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fuzz-ns"}})
    admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                     "metadata": {"name": "viewer", "namespace": "default"}})
    admin.create("rolebindings", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                  "metadata": {"name": "viewer", "namespace": "default"},
                                  "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": "default"}],
                                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                              "name": "view"}})
    running.viewer_token = admin.request_token("viewer", "default")["status"]["token"]
    yield running
    running.stop()


class Connection:
    """One keep-alive connection; opened again whenever the server closes it."""

    def __init__(self, server):
        self.server, self.connection = server, None

    def send(self, method: str, target: str, body: bytes | None, headers: dict) -> tuple[int, dict, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.server.http.host, self.server.http.port, timeout=30)
        try:
            self.connection.request(method, target, body=body, headers=headers)
            response = self.connection.getresponse()
            if response.getheader("Transfer-Encoding") == "chunked":   # a watch: its status is enough
                self.close()
                return response.status, dict(response.getheaders()), b""
            data = response.read()
        except (ConnectionError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, dict(response.getheaders()), data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# -- what the OpenAPI says ---------------------------------------------------------------
def served_operations(connection: Connection) -> tuple[list[tuple], dict]:
    """[(method, path template, kind, parameter names, body schema)], and every component schema."""
    headers = {"Authorization": f"Bearer {ADMIN}"}
    _, _, index = connection.send("GET", "/openapi/v3", None, headers)
    operations, schemas = [], {}
    for entry in json.loads(index)["paths"].values():
        _, _, raw = connection.send("GET", entry["serverRelativeURL"], None, headers)
        document = json.loads(raw)
        schemas.update(document["components"]["schemas"])
        for template, item in document["paths"].items():
            for method, operation in item.items():
                if method == "parameters":
                    continue
                body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
                operations.append((method.upper(), template, operation["x-kubernetes-group-version-kind"],
                                   [p["name"] for p in operation.get("parameters", [])], body.get("schema")))
    return sorted(operations + SUBRESOURCES, key=lambda o: (o[1], o[0])), schemas


def _subresource(method: str, path: str, group: str, version: str, kind: str, parameters=()) -> tuple:
    return method, path, {"group": group, "version": version, "kind": kind}, list(parameters), None


# The subresources the OpenAPI paths leave out (paths.py lists only status), added by hand.
_POD = "/api/v1/namespaces/{namespace}/pods/{name}"
SUBRESOURCES = [
    _subresource("POST", f"{_POD}/binding", "", "v1", "Binding", ["dryRun"]),
    _subresource("POST", f"{_POD}/eviction", "policy", "v1", "Eviction", ["dryRun"]),
    _subresource("GET", f"{_POD}/log", "", "v1", "Pod", ["container", "tailLines", "sinceSeconds", "limitBytes",
                                                        "previous", "timestamps"]),
    _subresource("POST", "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", "authentication.k8s.io",
                 "v1", "TokenRequest"),
    *[_subresource(method, f"/apis/apps/v1/namespaces/{{namespace}}/{plural}/{{name}}/scale", "autoscaling", "v1",
                   "Scale", ["dryRun"]) for plural in ("deployments", "replicasets") for method in ("GET", "PUT", "PATCH")],
]


class Schemas:
    """Hypothesis strategies for OpenAPI v3 schemas, depth-limited (a PodSpec nests deeply)."""

    def __init__(self, components: dict):
        self.components, self.cache = components, {}

    def strategy(self, schema: dict | None, depth: int = 0) -> st.SearchStrategy:
        schema = schema or {}
        ref = schema.get("$ref") or ((schema.get("allOf") or [{}])[0].get("$ref"))
        if ref:
            key = (ref, depth)
            if key not in self.cache:
                self.cache[key] = st.deferred(lambda: self.strategy(self.components[ref.split("/")[-1]], depth))
            return self.cache[key]
        kind = schema.get("type")
        if depth > 4:
            return st.none() | st.just({})
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties") or {}
            if not properties:
                values = self.strategy(schema.get("additionalProperties"), depth + 1) \
                    if isinstance(schema.get("additionalProperties"), dict) else scalars()
                return st.dictionaries(st.sampled_from(["a", "app", "k8s.io/x", "A B", ""]), values, max_size=3)
            return st.fixed_dictionaries({}, optional={name: self.strategy(sub, depth + 1)
                                                       for name, sub in properties.items()})
        if kind == "array":
            return st.lists(self.strategy(schema.get("items"), depth + 1), max_size=2)
        if kind == "integer":
            return st.sampled_from([0, 1, -1, 80, 65536, 2 ** 31, -(2 ** 63)]) | st.integers()
        if kind == "number":
            return st.floats(allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "string":
            if schema.get("format") == "int-or-string":
                return st.integers(-1, 70000) | st.sampled_from(["http", "50%", "", "x" * 20])
            if schema.get("format") == "date-time":
                return st.sampled_from(["2026-01-01T00:00:00Z", "yesterday", ""])
            return st.sampled_from(["", "web", "nginx", "TCP", "Always", "None", "10.0.0.1"]) | st.text(max_size=12)
        return scalars()


def scalars() -> st.SearchStrategy:
    return st.none() | st.booleans() | st.integers() | st.text(max_size=8)


def deep_merge(base: dict, overlay) -> dict:
    if not isinstance(overlay, dict):
        return base
    merged = dict(base)
    for key, value in overlay.items():
        merged[key] = deep_merge(merged[key], value) if isinstance(merged.get(key), dict) else value
    return merged


# -- one request -------------------------------------------------------------------------
@st.composite
def requests(draw, operations, schemas: Schemas, viewer_token: str):
    method, template, gvk, parameters, body_schema = draw(st.sampled_from(operations))
    name = draw(st.sampled_from(NAMES * 4 + BAD_NAMES))
    namespace = draw(st.sampled_from(NAMESPACES))
    path = template.replace("{namespace}", quote(namespace, safe="")).replace("{name}", quote(name, safe=""))
    params = {}
    for parameter in parameters:
        if draw(st.integers(0, 3)) == 3:
            params[parameter] = draw(odd_value(parameter))
    if method == "GET" and "watch" in parameters and draw(st.integers(0, 9)) == 9:
        params["watch"] = "true"
    headers = {"Content-Type": "application/json"}
    token = draw(st.sampled_from(KINDS_OF_TOKEN))
    if token != "none":
        headers["Authorization"] = "Bearer " + {"admin": ADMIN, "bad": "not-a-token", "viewer": viewer_token}[token]
    body = None
    if method in ("POST", "PUT"):
        body, headers["Content-Type"] = draw(object_body(gvk, name, namespace, body_schema, schemas))
    elif method == "PATCH":
        body, headers["Content-Type"] = draw(patch_body(schemas, body_schema or {"$ref": ""}, gvk))
    elif method == "DELETE" and draw(st.booleans()):
        options = draw(schemas.strategy({"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1."
                                                 "DeleteOptions"}))
        body = json.dumps(options).encode()
    target = path + ("?" + urlencode(params) if params else "")
    return method, target, body, headers


def odd_value(parameter: str) -> st.SearchStrategy:
    if parameter in ("limit", "gracePeriodSeconds", "timeoutSeconds", "tailLines", "sinceSeconds", "limitBytes"):
        return st.sampled_from(["0", "1", "-1", "500", "9999999999999", "abc", "", "1.5"]) | \
            st.integers(-10, 10 ** 6).map(str)
    if parameter == "continue":
        junk = st.sampled_from([b"{}", b'{"v":"meta.k8s.io/v1","rv":1,"start":"x"}', b'{"rv":-1}', b"\xff", b"[]"])
        return st.sampled_from(["", "abc", "!!", "eyJ9"]) | junk.map(lambda raw: base64.b64encode(raw).decode())
    if parameter == "resourceVersion":
        return st.sampled_from(VERSIONS)
    if parameter in ("labelSelector", "fieldSelector"):
        return st.sampled_from(SELECTORS) | st.text(max_size=10)
    if parameter == "resourceVersionMatch":
        return st.sampled_from(["Exact", "NotOlderThan", "Bogus", ""])
    if parameter == "dryRun":
        return st.sampled_from(["All", "all", "Bogus", ""])
    if parameter == "propagationPolicy":
        return st.sampled_from(["Orphan", "Background", "Foreground", "Bogus", ""])
    if parameter == "fieldValidation":
        return st.sampled_from(["Strict", "Warn", "Ignore", "Bogus", ""])
    if parameter in ("watch", "allowWatchBookmarks", "force", "previous", "timestamps"):
        return st.sampled_from(["true", "false", "1", "maybe", ""])
    return st.text(max_size=10)


@st.composite
def object_body(draw, gvk, name, namespace, schema, schemas: Schemas):
    """(bytes, content type): a valid object bent by its schema, or the schema's own, or junk."""
    api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
    choice = draw(st.integers(0, 19))
    if choice < 10:
        obj = {"apiVersion": api_version, "kind": gvk["kind"],
               "metadata": {"name": name, "namespace": namespace, "labels": {"app": "web"}},
               **TEMPLATES.get(gvk["kind"], {})}
        if choice >= 5 and schema:
            obj = deep_merge(obj, draw(schemas.strategy(schema)))
        return json.dumps(obj).encode(), "application/json"
    if choice < 14 and schema:
        return json.dumps(draw(schemas.strategy(schema))).encode(), "application/json"
    return draw(junk_body(gvk["kind"], name))


@st.composite
def junk_body(draw, kind: str, name: str):
    choice = draw(st.integers(0, 10))
    if choice == 10:   # hostile bodies (test_hostile_requests.py has them over raw sockets too)
        return draw(st.sampled_from(HOSTILE_BODIES))
    if choice == 0:   # over 3 MiB: 413 before anything is read into an object
        return b" " * (3 * 1024 * 1024 + 1), "application/json"
    if choice == 1:   # under 3 MiB but over what the store takes, or the kind's own limits
        big = "x" * (1024 * 1024 + draw(st.integers(0, 700_000)))
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "annotations": {"a": big}}}
        if kind == "ConfigMap":
            obj = {**obj, "metadata": {"name": name}, "data": {"a": big}}
        return json.dumps(obj).encode(), "application/json"
    if choice == 2:
        return "kind: [Pod\n  name: {".encode(), draw(st.sampled_from(["application/yaml", "application/json"]))
    if choice == 3:
        return f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n".encode(), "application/yaml"
    if choice == 4:
        return draw(st.binary(max_size=40)), draw(st.sampled_from(["application/json", "application/yaml",
                                                                    "text/plain", "application/vnd.kubernetes.protobuf"]))
    valid = json.dumps({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}})
    cut = draw(st.integers(0, len(valid) - 1))
    return draw(st.sampled_from([valid[:cut], "[]", "null", "42", '"text"', '{"metadata": []}',
                                 '{"metadata": {"name": 7}}', '{"kind": 1}', '{"apiVersion": {}}'])).encode(), \
        "application/json"


@st.composite
def patch_body(draw, schemas: Schemas, schema, gvk):
    content_type = draw(st.sampled_from(["application/merge-patch+json", "application/strategic-merge-patch+json",
                                         "application/json-patch+json", "application/apply-patch+yaml",
                                         "application/json", "text/plain"]))
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return draw(junk_body(gvk["kind"], "fuzz-a"))[0], content_type
    if content_type == "application/json-patch+json" or choice == 1:
        operation = st.fixed_dictionaries({"op": st.sampled_from(["add", "remove", "replace", "move", "copy",
                                                                  "test", "bogus"]),
                                           "path": st.sampled_from(["/metadata/labels/app", "/metadata/name",
                                                                    "/spec", "/spec/containers/0/image", "/x/y",
                                                                    "", "/", "~", "/metadata/labels/a~1b",
                                                                    "/spec/containers/-", "/status"])},
                                          optional={"value": scalars() | st.just({"a": "b"}),
                                                    "from": st.sampled_from(["/metadata", "/nope"])})
        return json.dumps(draw(st.lists(operation, max_size=3) | scalars())).encode(), content_type
    if schema.get("$ref"):
        kind_schema = {"$ref": "#/components/schemas/" + _schema_name(schemas, gvk)}
        return json.dumps(draw(schemas.strategy(kind_schema))).encode(), content_type
    return json.dumps(draw(scalars())).encode(), content_type


def _schema_name(schemas: Schemas, gvk: dict) -> str:
    for name, schema in schemas.components.items():
        if gvk in schema.get("x-kubernetes-group-version-kind", []):
            return name
    return "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"


# -- the story ---------------------------------------------------------------------------
def upstream_5xx(code: int, status: dict) -> bool:
    """The 5xx kube-apiserver itself answers to a well-formed request: an object the store refuses
    as too large (500), and a read at a resourceVersion the store has not reached yet (504
    Timeout, cause ResourceVersionTooLarge, after upstream's wait for its watch cache)."""
    if code == 500:
        return TOO_LARGE in status.get("message", "")
    causes = (status.get("details") or {}).get("causes") or [{}]
    return code == 504 and status.get("reason") == "Timeout" and causes[0].get("reason") == "ResourceVersionTooLarge"


def snapshot(server) -> tuple[int, list]:
    with server.http.lock:
        store = server.apiserver.store
        return store.revision, [(kv.key, kv.mod_revision, kv.value) for kv in store.range("/", prefix=True).kvs]


def test_thousands_of_schema_driven_requests_get_no_5xx_and_refusals_change_nothing(secured):
    connection = Connection(secured)
    operations, components = served_operations(connection)
    assert {gvk["kind"] for _, _, gvk, _, _ in operations} >= set(TEMPLATES) - {"SelfSubjectAccessReview"}
    schemas = Schemas(components)
    sent: list[int] = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(st.lists(requests(operations, schemas, secured.viewer_token),
                    min_size=REQUESTS_PER_EXAMPLE, max_size=REQUESTS_PER_EXAMPLE))
    def fuzz(batch):
        for method, target, body, headers in batch:
            before = snapshot(secured)
            code, answer_headers, data = connection.send(method, target, body, headers)
            sent.append(code)
            where = f"{method} {target} ({len(body or b'')} bytes, {headers.get('Content-Type')}) -> {code}"
            if code >= 500:
                assert upstream_5xx(code, json.loads(data)), f"{where}: {data[:500]!r}"
                assert snapshot(secured) == before, f"{where} failed but changed the store: {data[:300]!r}"
            if 400 <= code < 500:
                status = json.loads(data)
                assert (status.get("kind"), status.get("code")) == ("Status", code), f"{where}: {data[:300]!r}"
                assert not any(leak in status.get("message", "") for leak in PYTHON_LEAKS), f"{where}: {status}"
                assert snapshot(secured) == before, f"{where} was refused but changed the store: {data[:300]!r}"
        code, _, _ = connection.send("GET", "/readyz", None, {"Authorization": f"Bearer {ADMIN}"})
        assert code == 200

    fuzz()
    print(f"{len(sent)} requests; codes: {dict(sorted(collections.Counter(sent).items()))}")
    assert len(sent) >= 5000
    codes = {code for code in sent}
    assert {200, 201, 400, 401, 403, 404, 409, 413, 422} <= codes, sorted(codes)
    assert connection.send("GET", "/readyz", None, {"Authorization": f"Bearer {ADMIN}"})[0] == 200
