"""Standalone `kubelab apiserver` never signs tokens with a key derived from its public seed (issue 12, point 6)."""
from __future__ import annotations

import stat

import pytest

from kubelab.apiserver.authentication.keyfile import from_pem
from kubelab.apiserver.authentication.rsa import generate_key
from kubelab.apiserver.authentication.serviceaccount import AuthenticationError
from kubelab.apiserver.http import start_apiserver


def test_without_a_key_file_the_server_makes_a_random_key_and_keeps_it_in_its_data_dir(tmp_path):
    first = start_apiserver(port=0, seed=0, data_dir=str(tmp_path))
    try:
        stored = tmp_path / "sa.key"
        assert stored.exists() and stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert first.apiserver.tokens.key == from_pem(stored.read_text())
        assert first.apiserver.tokens.key != generate_key(0)   # not the key anyone can derive from the seed
    finally:
        first.stop()
    again = start_apiserver(port=0, seed=0, data_dir=str(tmp_path))   # restarted: the same key
    try:
        assert again.apiserver.tokens.key == from_pem(stored.read_text())
    finally:
        again.stop()


def test_two_servers_started_alike_without_key_files_sign_with_different_keys():
    one, two = start_apiserver(port=0, seed=0), start_apiserver(port=0, seed=0)
    try:
        assert one.apiserver.tokens.key != two.apiserver.tokens.key
        token = one.apiserver.tokens.issue("default", "default", "uid-1")
        assert one.apiserver.tokens.authenticate(token) is not None
        with pytest.raises(AuthenticationError, match="invalid signature"):   # nobody else can mint it
            two.apiserver.tokens.authenticate(token)
    finally:
        one.stop(), two.stop()
