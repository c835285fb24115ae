"""serviceaccounts/<name>/token: the TokenRequest API — how tokens are issued since v1.24.

    POST /api/v1/namespaces/default/serviceaccounts/default/token
    {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
     "spec": {"audiences": [...], "expirationSeconds": 3600,
              "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web", "uid": "..."}}}
    → the same TokenRequest with status: {token, expirationTimestamp}

The token is a JWT signed by the API server's service-account key (see
authentication/serviceaccount.py), naming the account and, when bound, the pod (or Secret, or
Node) it belongs to. Nothing is stored: the token carries its own claims. The kubelet asks for
one per pod for the kube-api-access volume; `kubectl create token NAME` asks for one too.

Rules (upstream's): the account must exist; a bound object must exist with that uid;
expirationSeconds is at least 600 (10 minutes) and at most 2^32, default 3600.
"""
from __future__ import annotations

from ...objects.timefmt import rfc3339
from .. import decode
from ...api import errors
from ..admission.attributes import Attributes as AdmissionAttributes

MIN_EXPIRATION_SECONDS = 600
MAX_EXPIRATION_SECONDS = 1 << 32   # upstream's ValidateTokenRequest: at most 2^32 seconds
BOUND_KINDS = {"Pod": "pods", "Secret": "secrets", "Node": "nodes"}


def create(server, resource, request) -> dict:
    body = request.body or {}
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    decode.check_definition("io.k8s.api.authentication.v1.TokenRequest", body, "TokenRequest", "v1")
    spec = dict(body.get("spec") or {})
    expiration = spec.get("expirationSeconds", 3600)
    if not isinstance(expiration, int) or expiration < MIN_EXPIRATION_SECONDS:
        raise errors.invalid("TokenRequest", "authentication.k8s.io", request.name, [errors.invalid_value(
            "spec.expirationSeconds", expiration, "may not specify a duration less than 10 minutes")])
    if expiration > MAX_EXPIRATION_SECONDS:
        raise errors.invalid("TokenRequest", "authentication.k8s.io", request.name, [errors.invalid_value(
            "spec.expirationSeconds", expiration, "may not specify a duration larger than 2^32 seconds")])
    account = server.read(resource, request.namespace, request.name)[1]
    # Validating admission sees the TokenRequest (NodeRestriction: a kubelet's token must be bound
    # to a pod on its node).
    server.admission.validate(AdmissionAttributes(
        "CREATE", "serviceaccounts", "", request.namespace, request.name, body, None, "token", request.user,
        False, server.lookup, server.rng, tuple(request.user_info.groups) if request.user_info else ()))
    bound = _bound_object(server, request, spec.get("boundObjectRef"))
    tokens = server.service_account_tokens()
    options = {"expiration_seconds": expiration}
    if spec.get("audiences"):
        options["audiences"] = list(spec["audiences"])
    if bound and bound[0] == "Pod":
        options["pod"] = {"name": bound[1], "uid": bound[2]}
    token = tokens.issue(request.namespace, request.name, account["metadata"]["uid"], **options)
    spec.setdefault("audiences", list(tokens.audiences))
    spec["expirationSeconds"] = expiration
    spec.setdefault("boundObjectRef", None)
    return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": request.name, "namespace": request.namespace,
                         "creationTimestamp": None},
            "spec": spec,
            "status": {"token": token, "expirationTimestamp": rfc3339(server.clock.now() + expiration)}}


def _bound_object(server, request, reference: dict | None):
    if not reference:
        return None
    kind = reference.get("kind")
    if kind not in BOUND_KINDS:
        raise errors.invalid("TokenRequest", "authentication.k8s.io", request.name, [errors.not_supported(
            "spec.boundObjectRef.kind", kind, sorted(BOUND_KINDS))])
    namespace = "" if kind == "Node" else request.namespace
    found = server.read(server.resources[BOUND_KINDS[kind]], namespace, reference.get("name", ""))[1]
    if reference.get("uid") and reference["uid"] != found["metadata"]["uid"]:
        raise errors.conflict(BOUND_KINDS[kind], "", reference.get("name", ""),
                              f"the UID in the bound object reference ({reference['uid']}) does not match "
                              f"the UID in record. The object might have been deleted and then recreated")
    return kind, found["metadata"]["name"], found["metadata"]["uid"]
