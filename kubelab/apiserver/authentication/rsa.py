"""RSA signatures, small enough to read: how a service-account token is signed and checked.

Kubernetes signs service-account tokens with RS256: RSA with PKCS#1 v1.5 padding over a
SHA-256 digest (RFC 8017 §8.2). The API server holds the private key (kubeadm's `sa.key`);
anyone with the public key (`sa.pub`, or the issuer's published JWKS) can check a token, so
the API server verifies a token with arithmetic alone — no lookup in the store.

    key generation   two random primes p, q (Miller–Rabin), n = p·q, e = 65537, d = e⁻¹ mod λ(n)
    sign(message)    m = 0x00 01 FF…FF 00 ‖ DigestInfo(SHA-256) ‖ sha256(message);  s = mᵈ mod n
    verify           sᵉ mod n must rebuild exactly the same padded block

Invariant: `verify(public, message, sign(private, message))` holds, and changing one bit of
the message or the signature breaks it (the padded block no longer matches).

Randomness comes from a seeded generator, so a cluster built with the same seed has the same
key and the same tokens — lessons print the same output every run. Python's standard library
has no RSA; this file is the whole of it, but for the two big exponentiations of a signature,
which go to OpenSSL's libcrypto when this Python can load it (modexp.py; `pow` otherwise). A
real deployment uses a vetted library: this code must never guard anything but a teaching
cluster.

Real Kubernetes also accepts ECDSA keys (ES256) and several keys at once (key rotation);
kubelab skips those because one RSA key tells the whole story.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import random
from dataclasses import dataclass

from .modexp import modexp

PUBLIC_EXPONENT = 65537
# DER prefix of DigestInfo { AlgorithmIdentifier sha256, OCTET STRING (32 bytes) } (RFC 8017 §9.2).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


@dataclass(frozen=True)
class PublicKey:
    n: int   # the modulus
    e: int   # the public exponent

    @property
    def size(self) -> int:
        """The modulus length in bytes (a signature is exactly this long)."""
        return (self.n.bit_length() + 7) // 8


@dataclass(frozen=True)
class PrivateKey:
    public: PublicKey
    d: int
    p: int
    q: int

    def __repr__(self) -> str:  # never print the secret numbers in a notebook
        return f"PrivateKey({self.public.n.bit_length()} bits)"

    @functools.cached_property
    def crt(self) -> tuple[int, int, int]:
        """(dP, dQ, qInv): d mod p-1, d mod q-1 and q⁻¹ mod p, which PKCS #1 keeps beside the
        primes so that a signature need not work them out again (the inverse was a sixth of it)."""
        return self.d % (self.p - 1), self.d % (self.q - 1), pow(self.q, -1, self.p)


def is_probable_prime(candidate: int, rng: random.Random, rounds: int = 8) -> bool:
    """Miller–Rabin: False means composite for sure; True means prime with odds of error below 4⁻ʳᵒᵘⁿᵈˢ (far lower for random candidates: FIPS 186-4 asks for 5 rounds at this size)."""
    if candidate < 2:
        return False
    for small in _SMALL_PRIMES:  # cheap trial division throws out most candidates
        if candidate % small == 0:
            return candidate == small
    odd, twos = candidate - 1, 0
    while odd % 2 == 0:
        odd, twos = odd // 2, twos + 1
    for _ in range(rounds):
        # libcrypto's when loadable (the same number, ~12x sooner: a 2048-bit key in 0.03 s, not 0.2 s
        # — every notebook's first Cluster makes one); the squarings below are cheap.
        witness = modexp(rng.randrange(2, candidate - 1), odd, candidate)
        if witness in (1, candidate - 1):
            continue
        for _ in range(twos - 1):
            witness = pow(witness, 2, candidate)
            if witness == candidate - 1:
                break
        else:
            return False
    return True


def _random_prime(bits: int, rng: random.Random) -> int:
    while True:
        # Top two bits set: the product of two such primes has exactly 2·bits bits.
        candidate = rng.getrandbits(bits) | (0b11 << (bits - 2)) | 1
        if candidate % PUBLIC_EXPONENT != 1 and is_probable_prime(candidate, rng):
            return candidate


@functools.lru_cache(maxsize=16)
def generate_key(seed: int, bits: int = 2048) -> PrivateKey:
    """A fresh RSA key from a seeded generator (the same seed gives the same key).

    For notebooks and tests only, where the same seed must give the same tokens: anyone who
    knows the seed knows the key. A server that other processes trust uses `random_key()`.
    """
    return _key_from(random.Random(seed), bits)


def random_key(bits: int = 2048) -> PrivateKey:
    """A fresh RSA key from the operating system's randomness (what a server must sign with)."""
    return _key_from(random.SystemRandom(), bits)


def _key_from(rng: random.Random, bits: int) -> PrivateKey:
    while True:
        p, q = _random_prime(bits // 2, rng), _random_prime(bits // 2, rng)
        if p != q:
            break
    lam = (p - 1) * (q - 1) // _gcd(p - 1, q - 1)  # Carmichael's λ(n)
    return PrivateKey(PublicKey(p * q, PUBLIC_EXPONENT), pow(PUBLIC_EXPONENT, -1, lam), p, q)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _padded(message: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5: 00 01 FF…FF 00 ‖ DigestInfo ‖ SHA-256(message), `size` bytes long."""
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    filler = size - len(digest_info) - 3
    if filler < 8:
        raise ValueError("RSA key too small for a SHA-256 signature")
    return b"\x00\x01" + b"\xff" * filler + b"\x00" + digest_info


def sign(key: PrivateKey, message: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256 (JWS's RS256)."""
    size = key.public.size
    m = int.from_bytes(_padded(message, size), "big")
    # mᵈ mod n computed mod p and mod q, then recombined (Chinese remainder theorem): 3× faster.
    # modexp is pow, done by OpenSSL's libcrypto when it is loadable (modexp.py): 10× faster again.
    d_p, d_q, q_inverse = key.crt
    sp = modexp(m, d_p, key.p)
    sq = modexp(m, d_q, key.q)
    s = sq + key.q * ((q_inverse * (sp - sq)) % key.p)
    return s.to_bytes(size, "big")


def verify(key: PublicKey, message: bytes, signature: bytes) -> bool:
    """True if `signature` is the key owner's RS256 signature of `message`."""
    if len(signature) != key.size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    recovered = pow(s, key.e, key.n).to_bytes(key.size, "big")
    return hmac.compare_digest(recovered, _padded(message, key.size))
