"""The pod-template-hash: how a Deployment names the ReplicaSet for one version of its pods.

Every distinct pod template of a Deployment gets its own ReplicaSet, named
"<deployment>-<hash>" (`nginx-7c5ddbdf54`), and the hash is also put on the ReplicaSet's
selector and template as the label `pod-template-hash`, so the pods of two versions never
match each other's selector. The same template always gives the same name, which makes
creating the ReplicaSet idempotent: a second attempt gets 409 AlreadyExists, not a twin.

Upstream (k8s.io/kubernetes/pkg/controller/controller_utils.go ComputeHash, and
k8s.io/apimachinery/pkg/util/rand SafeEncodeString):

    FNV-1a, 32 bits, over the printed template (+ collisionCount, 4 bytes little-endian, if set)
    -> the number in decimal ("2078915429")
    -> each digit mapped into "bcdfghjklmnpqrstvwxz2456789" by its byte value mod 27

so a hash is up to ten characters drawn from only ten of them (4-9, b, c, d, f).

Upstream prints the Go struct with spew, which Python cannot reproduce; kubelab hashes the
template's JSON with sorted keys instead. The hash is deterministic and has upstream's
shape, but is not equal to the one a real cluster would compute for the same template.
"""
from __future__ import annotations

import json

LABEL = "pod-template-hash"  # apps/v1 DefaultDeploymentUniqueLabelKey
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # no vowels (no words), no 0/1/3 (no look-alikes)

FNV32_OFFSET_BASIS = 2166136261
FNV32_PRIME = 16777619


def fnv1a_32(data: bytes) -> int:
    """The 32-bit FNV-1a hash: for each byte, xor it in, then multiply by the FNV prime."""
    value = FNV32_OFFSET_BASIS
    for byte in data:
        value ^= byte
        value = (value * FNV32_PRIME) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """Map each character into the safe alphabet (upstream's SafeEncodeString)."""
    return "".join(SAFE_ALPHABET[ord(char) % len(SAFE_ALPHABET)] for char in text)


def compute_hash(template: dict, collision_count: int | None = None) -> str:
    """The pod-template-hash of a pod template (a PodTemplateSpec dict)."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += collision_count.to_bytes(4, "little")
    return safe_encode(str(fnv1a_32(data)))
