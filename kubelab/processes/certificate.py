"""The serving certificate: why `kubelab up` speaks HTTPS on its advertised port.

kubectl sends its bearer token only to an `https://` server: client-go's kubeconfig loader
drops the user's credentials when the cluster's server is plain `http://` (a token sent in
the clear is a token given away). So a cluster that authenticates must offer TLS. kubeadm
makes a cluster CA and signs the API server's certificate with it; kubelab makes one
self-signed certificate for 127.0.0.1 and puts it in the kubeconfig as the CA
(`certificate-authority-data`), so kubectl, the Python client and kubelab's own transport
all verify the server they talk to.

The certificate is X.509 v3 in DER, built here by hand (about sixty lines of ASN.1) and
signed with kubelab's pure-Python RSA (apiserver/authentication/rsa.py): the standard
library can serve TLS but cannot make a certificate, and this keeps kubelab free of a
cryptography dependency. Left out: a separate CA key, client certificates, rotation.
"""
from __future__ import annotations

import base64
import datetime
import ipaddress
import secrets
import textwrap

from ..apiserver.authentication import rsa

# Object identifiers, DER-encoded (tag 06, length, value).
SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
RSA_ENCRYPTION = bytes.fromhex("06092a864886f70d010101")
COMMON_NAME = bytes.fromhex("0603550403")
ORGANIZATION = bytes.fromhex("060355040a")
BASIC_CONSTRAINTS = bytes.fromhex("0603551d13")
KEY_USAGE = bytes.fromhex("0603551d0f")
EXTENDED_KEY_USAGE = bytes.fromhex("0603551d25")
SUBJECT_ALT_NAME = bytes.fromhex("0603551d11")
SERVER_AUTH = bytes.fromhex("06082b06010505070301")
NULL = b"\x05\x00"


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def _sequence(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _integer(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")   # a leading 0 keeps it positive
    return _der(0x02, raw)


def _name(common_name: str, organization: str) -> bytes:
    return _sequence(_der(0x31, _sequence(ORGANIZATION, _der(0x0C, organization.encode()))),
                     _der(0x31, _sequence(COMMON_NAME, _der(0x0C, common_name.encode()))))


def _time(moment: datetime.datetime) -> bytes:
    return _der(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())   # UTCTime


def _extension(oid: bytes, value: bytes, critical: bool = False) -> bytes:
    return _sequence(oid, *([_der(0x01, b"\xff")] if critical else []), _der(0x04, value))


def _public_key_info(key: rsa.PublicKey) -> bytes:
    rsa_key = _sequence(_integer(key.n), _integer(key.e))
    return _sequence(_sequence(RSA_ENCRYPTION, NULL), _der(0x03, b"\x00" + rsa_key))


def self_signed(key: rsa.PrivateKey, hosts: list[str], common_name: str = "kubelab-apiserver",
                days: int = 365) -> bytes:
    """A DER certificate for `hosts` (IP addresses or DNS names), signed by its own key."""
    now = datetime.datetime.now(datetime.timezone.utc)   # the process shell may read the wall clock
    names = b"".join(_der(0x87, ipaddress.ip_address(host).packed) if _is_ip(host) else _der(0x82, host.encode())
                     for host in hosts)
    extensions = [
        _extension(BASIC_CONSTRAINTS, _sequence(_der(0x01, b"\xff")), critical=True),   # CA: it signs itself
        _extension(KEY_USAGE, _der(0x03, b"\x02\xa4"), critical=True),   # digitalSignature, keyEncipherment, keyCertSign
        _extension(EXTENDED_KEY_USAGE, _sequence(SERVER_AUTH)),
        _extension(SUBJECT_ALT_NAME, _sequence(names)),
    ]
    subject = _name(common_name, "kubelab")
    to_be_signed = _sequence(
        _der(0xA0, _integer(2)),                                   # version 3
        _integer(secrets.randbits(63) | 1),                        # serial number
        _sequence(SHA256_WITH_RSA, NULL),
        subject,                                                   # issuer = subject: self-signed
        _sequence(_time(now - datetime.timedelta(hours=1)), _time(now + datetime.timedelta(days=days))),
        subject,
        _public_key_info(key.public),
        _der(0xA3, _sequence(*extensions)))
    signature = rsa.sign(key, to_be_signed)
    return _sequence(to_be_signed, _sequence(SHA256_WITH_RSA, NULL), _der(0x03, b"\x00" + signature))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def pem(der: bytes, label: str) -> str:
    body = textwrap.wrap(base64.b64encode(der).decode("ascii"), 64)
    return "\n".join([f"-----BEGIN {label}-----", *body, f"-----END {label}-----"]) + "\n"


def private_key_pem(key: rsa.PrivateKey) -> str:
    """The key as PKCS#1 "RSA PRIVATE KEY" PEM, which ssl.load_cert_chain reads."""
    n, e, d, p, q = key.public.n, key.public.e, key.d, key.p, key.q
    fields = [0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)]
    return pem(_sequence(*(_integer(value) for value in fields)), "RSA PRIVATE KEY")


def make_serving_files(directory, hosts: list[str] = ("127.0.0.1", "localhost")) -> tuple[str, str]:
    """Write DIR/apiserver.crt and DIR/apiserver.key (kept if already there); their paths."""
    from pathlib import Path
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    certificate, private_key = directory / "apiserver.crt", directory / "apiserver.key"
    if not (certificate.exists() and private_key.exists()):
        key = rsa.random_key()   # the operating system's randomness, never a small seed
        private_key.write_text(private_key_pem(key))
        private_key.chmod(0o600)
        certificate.write_text(pem(self_signed(key, list(hosts)), "CERTIFICATE"))
    return str(certificate), str(private_key)
