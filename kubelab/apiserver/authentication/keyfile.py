"""Key files: the service-account key as kubeadm writes it, `sa.key` in PEM (PKCS#1).

    -----BEGIN RSA PRIVATE KEY-----
    base64 of DER: SEQUENCE { version 0, n, e, d, p, q, d mod (p-1), d mod (q-1), q⁻¹ mod p }
    -----END RSA PRIVATE KEY-----

Several API servers must check each other's tokens, so they read the same key file
(kube-apiserver's `--service-account-key-file` / `--service-account-signing-key-file`).
`openssl rsa -in sa.key -check` accepts what `to_pem` writes.

DER here is just enough of ASN.1 for a sequence of non-negative integers: a tag byte
(0x30 sequence, 0x02 integer), a length (short form below 128, else 0x8N and N bytes), then
the content, integers big-endian with a leading zero byte when the top bit is set.
"""
from __future__ import annotations

import base64
import textwrap

from .rsa import PrivateKey, PublicKey

_BEGIN, _END = "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----"


def _length(size: int) -> bytes:
    if size < 128:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _integer(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")  # one spare byte keeps the sign bit clear
    raw = raw.lstrip(b"\x00") or b"\x00"
    if raw[0] & 0x80:
        raw = b"\x00" + raw
    return b"\x02" + _length(len(raw)) + raw


def to_pem(key: PrivateKey) -> str:
    """The key as a PKCS#1 PEM file."""
    numbers = [0, key.public.n, key.public.e, key.d, key.p, key.q,
               key.d % (key.p - 1), key.d % (key.q - 1), pow(key.q, -1, key.p)]
    body = b"".join(_integer(n) for n in numbers)
    der = b"\x30" + _length(len(body)) + body
    return "\n".join([_BEGIN, *textwrap.wrap(base64.b64encode(der).decode("ascii"), 64), _END]) + "\n"


def _read(der: bytes, at: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the element at `at`."""
    tag, size, at = der[at], der[at + 1], at + 2
    if size & 0x80:
        count = size & 0x7F
        size, at = int.from_bytes(der[at:at + count], "big"), at + count
    return tag, at, at + size


def from_pem(text: str) -> PrivateKey:
    """Read a PKCS#1 PEM private key; raises ValueError if it is not one."""
    if _BEGIN not in text or _END not in text:
        raise ValueError("not a PEM-encoded RSA private key (BEGIN RSA PRIVATE KEY)")
    inner = text.split(_BEGIN, 1)[1].split(_END, 1)[0]
    der = base64.b64decode("".join(inner.split()))
    tag, at, end = _read(der, 0)
    if tag != 0x30:
        raise ValueError("RSA private key: expected a DER sequence")
    numbers = []
    while at < end:
        tag, start, stop = _read(der, at)
        if tag != 0x02:
            raise ValueError("RSA private key: expected DER integers")
        numbers.append(int.from_bytes(der[start:stop], "big"))
        at = stop
    if len(numbers) < 6:
        raise ValueError("RSA private key: too few fields")
    _, n, e, d, p, q = numbers[:6]
    return PrivateKey(PublicKey(n, e), d, p, q)
