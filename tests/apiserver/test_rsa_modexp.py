"""Signing a token through libcrypto gives the very signature Python's pow gives (modexp.py)."""
import random

import pytest

from kubelab.apiserver.authentication import modexp, rsa


def test_openssl_and_python_exponentiation_agree_on_random_numbers():
    if modexp.library() is None:
        pytest.skip("libcrypto cannot be loaded here: modexp is pow")
    rng = random.Random(7)
    key = rsa.generate_key(3)
    for prime in (key.p, key.q):
        for _ in range(20):
            base, exponent = rng.randrange(0, prime * 3), rng.randrange(1, prime)
            assert modexp.openssl_modexp(base, exponent, prime) == pow(base, exponent, prime)


def test_a_signature_is_the_same_with_or_without_libcrypto(monkeypatch):
    key = rsa.generate_key(5)
    fast = rsa.sign(key, b"header.payload")
    monkeypatch.setattr(modexp, "_LIB", None)
    slow = rsa.sign(key, b"header.payload")
    assert fast == slow
    assert rsa.verify(key.public, b"header.payload", fast)
    assert not rsa.verify(key.public, b"header.payloaD", fast)


def test_an_even_modulus_falls_back_to_pow():
    assert modexp.modexp(3, 5, 8) == pow(3, 5, 8)
