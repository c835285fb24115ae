"""JSON Web Tokens (RFC 7519) in compact JWS form: the shape of a service-account token.

    base64url(header) . base64url(claims) . base64url(RS256 signature of the first two parts)

A token is readable by anyone (the claims are only base64) and forgeable by no one without
the private key: change one character of the claims and the signature no longer verifies.
`decode` checks the signature and the algorithm; what the claims *mean* (issuer, audience,
expiry) is checked by the service-account authenticator, which knows the clock.

Real Kubernetes uses go-jose, which also handles JWE, other algorithms and key sets;
kubelab reads and writes RS256 JWS only, because that is what the API server issues.
"""
from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache

from . import rsa


class TokenError(ValueError):
    """A token that is not a well-formed, correctly signed RS256 JWT."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise TokenError(f"illegal base64 data: {error}") from None


@lru_cache(maxsize=16)   # the same few keys sign every token
def key_id(key: rsa.PublicKey) -> str:
    """The `kid` header: a fingerprint of the public key, so verifiers know which key signed."""
    material = key.n.to_bytes(key.size, "big") + key.e.to_bytes(3, "big")
    return b64url(hashlib.sha256(material).digest())


def encode(claims: dict, key: rsa.PrivateKey) -> str:
    """Sign `claims` into a compact JWT."""
    header = {"alg": "RS256", "kid": key_id(key.public)}
    signing_input = b64url(_json(header)) + "." + b64url(_json(claims))
    return signing_input + "." + b64url(rsa.sign(key, signing_input.encode("ascii")))


def decode(token: str, key: rsa.PublicKey) -> dict:
    """The claims of `token`, if `key` signed it; raises TokenError otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("compact JWS format must have three parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except ValueError:
        raise TokenError("token header or claims are not JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        raise TokenError("unexpected signature algorithm")  # never "none", never HS256
    if not rsa.verify(key, (parts[0] + "." + parts[1]).encode("ascii"), b64url_decode(parts[2])):
        raise TokenError("invalid signature")
    if not isinstance(claims, dict):
        raise TokenError("token claims are not an object")
    return claims


def peek(token: str) -> dict:
    """The claims *without* checking the signature — what anyone holding the token can read."""
    try:
        return json.loads(b64url_decode(token.split(".")[1]))
    except (IndexError, ValueError):
        raise TokenError("not a JWT") from None


def _json(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")
