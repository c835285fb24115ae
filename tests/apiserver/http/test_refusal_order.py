"""Stories: on a secured server, who you are is checked before what you sent.

kube-apiserver's filters run authentication and authorization before the body is decoded,
so a stranger's request is a 401 whatever its body holds: the server tells nothing about
its schemas to someone it does not know.
"""
import http.client
import json

import pytest

from kubelab.apiserver.authentication import keyfile, rsa
from kubelab.apiserver.http.process import start_apiserver

ADMIN = "0123456789abcdef0123456789abcdef"
TYPO = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "dataz": {}}


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    folder = tmp_path_factory.mktemp("secured")
    (folder / "tokens.csv").write_text(f'{ADMIN},kubernetes-admin,kubernetes-admin,"system:masters"\n')
    (folder / "sa.key").write_text(keyfile.to_pem(rsa.generate_key(0)))
    running = start_apiserver(port=0, token_auth_file=str(folder / "tokens.csv"),
                              service_account_key_file=str(folder / "sa.key"))
    yield running
    running.stop()


def post(server, raw: bytes, token: str = "", query: str = "") -> tuple[int, dict]:
    connection = http.client.HTTPConnection(server.http.host, server.http.port, timeout=30)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    connection.request("POST", f"/api/v1/namespaces/default/configmaps{query}", body=raw, headers=headers)
    response = connection.getresponse()
    answer = response.status, json.loads(response.read())
    connection.close()
    return answer


def test_a_stranger_gets_401_whatever_the_body(secured):
    assert post(secured, b"{not json")[0] == 401
    assert post(secured, json.dumps(TYPO).encode(), query="?fieldValidation=Strict")[0] == 401


def test_the_admin_gets_400_naming_what_is_wrong(secured):
    code, status = post(secured, b"{not json", ADMIN)
    assert code == 400 and "json parse error" in status["message"]
    code, status = post(secured, json.dumps(TYPO).encode(), ADMIN, "?fieldValidation=Strict")
    assert code == 400 and status["message"].endswith('strict decoding error: unknown field "dataz"')
