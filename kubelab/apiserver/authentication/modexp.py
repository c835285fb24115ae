"""The one costly step of an RSA signature, xᵉ mod m, in OpenSSL when this Python can reach it.

Signing a service-account token is two 1024-bit exponentiations (rsa.py, through the Chinese
remainder theorem). CPython's `pow` takes a few milliseconds for each; OpenSSL's libcrypto —
which every Python with an `ssl` module already has loaded — does the same in about a
tenth of that, and in constant time (`BN_mod_exp_mont_consttime`). The kubelet asks for one
token per pod (the projected service-account volume), so on a big cluster `pow` alone was
about a third of all the CPU (issue 13).

Only the exponentiation goes to C: padding, digest, the recombination and verification stay
in rsa.py, where a learner reads them. When libcrypto cannot be loaded (no such library, an
unexpected version), `modexp` is Python's `pow`: the same number, only slower — the tests
check the two agree.

Left out: keeping the key's numbers inside OpenSSL between signatures (a `BN_MONT_CTX` per
prime) would save a little more; the copy in and out is a few microseconds.
"""
from __future__ import annotations

import ctypes
import ctypes.util


# The names libcrypto goes by (OpenSSL 3, 1.1, macOS); `find_library` (which runs ldconfig)
# only when none of them loads, and only at the first signature, never at import.
_NAMES = ("libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so", "libcrypto.dylib")


def _open():
    for name in _NAMES:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    path = ctypes.util.find_library("crypto")
    return ctypes.CDLL(path) if path else None


def _load():
    """libcrypto's bignum functions, typed for ctypes, or None if they cannot be had."""
    try:
        lib = _open()
        if lib is None:
            return None
        pointer = ctypes.c_void_p
        lib.BN_CTX_new.restype, lib.BN_CTX_new.argtypes = pointer, []
        lib.BN_CTX_free.restype, lib.BN_CTX_free.argtypes = None, [pointer]
        lib.BN_bin2bn.restype, lib.BN_bin2bn.argtypes = pointer, [ctypes.c_char_p, ctypes.c_int, pointer]
        lib.BN_bn2binpad.restype, lib.BN_bn2binpad.argtypes = ctypes.c_int, [pointer, ctypes.c_char_p, ctypes.c_int]
        lib.BN_clear_free.restype, lib.BN_clear_free.argtypes = None, [pointer]
        lib.BN_mod_exp_mont_consttime.restype = ctypes.c_int
        lib.BN_mod_exp_mont_consttime.argtypes = [pointer] * 6
        lib.BN_new.restype, lib.BN_new.argtypes = pointer, []
        return lib
    except (OSError, AttributeError):
        return None


_LIB: object = ...   # not looked for yet; then the library, or None (see `library`)


def library():
    """libcrypto, loaded at the first call (None when this Python cannot have it)."""
    global _LIB
    if _LIB is ...:
        _LIB = _load()
    return _LIB


def _to_bn(value: int):
    data = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return _LIB.BN_bin2bn(data, len(data), None)


def openssl_modexp(base: int, exponent: int, modulus: int) -> int:
    """base^exponent mod modulus by libcrypto (modulus odd, as an RSA prime is)."""
    size = (modulus.bit_length() + 7) // 8
    ctx = _LIB.BN_CTX_new()
    numbers = [_LIB.BN_new(), _to_bn(base % modulus), _to_bn(exponent), _to_bn(modulus)]
    try:
        if not ctx or not all(numbers) or _LIB.BN_mod_exp_mont_consttime(*numbers, ctx, None) != 1:
            raise ArithmeticError("libcrypto BN_mod_exp_mont_consttime failed")
        out = ctypes.create_string_buffer(size)
        if _LIB.BN_bn2binpad(numbers[0], out, size) != size:
            raise ArithmeticError("libcrypto BN_bn2binpad failed")
        return int.from_bytes(out.raw, "big")
    finally:
        for number in numbers:
            if number:
                _LIB.BN_clear_free(number)   # secret exponents: zeroed before they are freed
        if ctx:
            _LIB.BN_CTX_free(ctx)


def modexp(base: int, exponent: int, modulus: int) -> int:
    """base^exponent mod modulus: libcrypto's when loaded and the modulus is odd, else `pow`."""
    if modulus & 1 and modulus > 1 and library() is not None:
        return openssl_modexp(base, exponent, modulus)
    return pow(base, exponent, modulus)
