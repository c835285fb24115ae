"""Story: a hostile client, with no token, a bad one or an admin's, sends requests built to hurt.

Each class is one a real attacker tries on an API server: lengths that lie (negative, absurd,
twice, 50 MiB declared), chunked bodies (fine ones and endless ones), bodies nested 1,000
deep, YAML alias bombs, lone surrogates, 5,000-digit numbers, NaN, request lines and headers
over the limits, methods nobody serves (OPTIONS, TRACE), and clients that send their headers
a byte at a time (slowloris). Sent over a raw socket, so nothing in the way tidies them.

What must hold for every one:
- the answer is a Kubernetes `Status` with a 4xx (or net/http's 501 for an unknown transfer
  coding), never a 5xx, never an HTML page; a slow client is simply cut off;
- it comes quickly (well under the server's timeouts) and costs bounded memory (traced);
- nothing is written, and the server keeps serving everybody else while it happens.

Hypothesis draws the combinations (class x token x path), derandomized; the named tests
below pin each class's expected answer.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelab.apiserver.http.process import start_apiserver

ADMIN = "hostile0123456789abcdef01234567"
MEMORY_BOUND = 48 * 1024 * 1024      # traced peak of one request: a 3 MiB body and its copies, no more
TIME_BOUND = 3.0                     # seconds for an answer (the slow-header limit is 0.5 s here)
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def alias_bomb(levels: int = 9) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n" + "\n".join(lines) + "\n").encode()


def deep(levels: int = 1000) -> bytes:
    return (b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":'
            + b"[" * levels + b"]" * levels + b"}")


def config_map(name: str, data: bytes) -> bytes:
    return b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"},"data":{"a":%s}}' % (name.encode(), data)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tokens = tmp_path_factory.mktemp("hostile") / "tokens.csv"
    tokens.write_text(f'{ADMIN},kubernetes-admin,kubernetes-admin,"system:masters"\n')
    running = start_apiserver(port=0, token_auth_file=str(tokens))
    running.http.read_header_timeout = 0.5
    running.http.body_timeout = 0.5
    yield running
    running.stop()


def exchange(server, head: bytes, body: bytes = b"", trickle: bytes = b"") -> tuple[int | None, dict | None, float]:
    """Send `head` + `body` (then `trickle` a byte every 0.1 s); (code, Status or None, seconds)."""
    started = time.monotonic()
    with socket.create_connection((server.http.host, server.http.port), timeout=10) as connection:
        try:
            connection.sendall(head + body)
            for byte in trickle:
                time.sleep(0.1)
                connection.sendall(bytes([byte]))
        except OSError:
            pass   # the server may answer (and stop reading) before a long body is all sent
        received = b""
        try:
            while chunk := connection.recv(1 << 16):
                received += chunk
        except OSError:
            pass
    elapsed = time.monotonic() - started
    if not received:
        return None, None, elapsed
    header, _, payload = received.partition(b"\r\n\r\n")
    code = int(header.split(b" ", 2)[1])
    if code < 400:
        return code, json.loads(payload) if b"application/json" in header else payload, elapsed
    assert b"content-type: application/json" in header.lower(), received[:400]   # a Status, never HTML
    return code, json.loads(payload), elapsed


def request(method: str, path: str, token: str, headers: dict[str, str], body: bytes = b"",
            content_length: str | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: kubelab", "Connection: close"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    elif body and "Transfer-Encoding" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(body: bytes, size: int = 1 << 20) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                    for i in range(0, len(body), size)) + b"0\r\n\r\n"


JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}
CHUNKED = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}

# (name, method, path, headers, body, declared Content-Length or None, trickled bytes)
HOSTILE = [
    ("negative length", "POST", CONFIGMAPS, JSON, b"{}", "-1", b""),
    ("absurd length", "POST", CONFIGMAPS, JSON, b"{}", "9" * 30, b""),
    ("non-numeric length", "POST", CONFIGMAPS, JSON, b"{}", "0x10", b""),
    ("50 MiB declared", "POST", CONFIGMAPS, JSON, b"{}", str(50 * 1024 * 1024), b""),
    ("over 3 MiB sent", "POST", CONFIGMAPS, JSON, b" " * (3 * 1024 * 1024 + 1), None, b""),
    ("endless chunked", "POST", CONFIGMAPS, CHUNKED, chunked(b" " * (4 * 1024 * 1024))[:-5], None, b""),
    ("malformed chunked", "POST", CONFIGMAPS, CHUNKED, b"zz\r\n{}\r\n0\r\n\r\n", None, b""),
    ("unknown transfer coding", "POST", CONFIGMAPS, {"Transfer-Encoding": "gzip"}, b"{}", None, b""),
    ("nested 1,000 deep", "POST", CONFIGMAPS, JSON, deep(), None, b""),
    ("nested 1,000 deep, YAML", "POST", CONFIGMAPS, YAML, b"a: " + b"[" * 1000 + b"]" * 1000, None, b""),
    ("alias bomb", "POST", CONFIGMAPS, YAML, alias_bomb(), None, b""),
    ("anchor containing itself", "POST", CONFIGMAPS, YAML, b"a: &a [*a]\n", None, b""),
    ("5,000-digit integer", "POST", CONFIGMAPS, JSON, config_map("digits", b"9" * 5000), None, b""),
    ("NaN", "POST", CONFIGMAPS, JSON, config_map("nan", b"NaN"), None, b""),
    ("1e400", "POST", CONFIGMAPS, JSON, config_map("huge", b"1e400"), None, b""),
    ("YAML .inf", "POST", CONFIGMAPS, YAML, b"apiVersion: v1\nkind: ConfigMap\ndata: {a: .inf}\n", None, b""),
    ("not UTF-8", "POST", CONFIGMAPS, JSON, b'{"a":"\xff\xfe"}', None, b""),
    ("request line over 64 KiB", "GET", "/api/v1/" + "a" * 70_000, {}, b"", None, b""),
    ("header over 64 KiB", "GET", "/api/v1", {"X-Big": "b" * 70_000}, b"", None, b""),
    ("200 headers", "GET", "/api/v1", {f"X-{n}": "b" for n in range(200)}, b"", None, b""),
    ("OPTIONS", "OPTIONS", "/api/v1/namespaces/default/pods", {}, b"", None, b""),
    ("TRACE with a body", "TRACE", "/api/v1", JSON, b"{}", None, b""),
]
TOKENS = {"no token": "", "a bad token": "not-a-token", "admin": ADMIN}


def check(server, name: str, method: str, path: str, headers: dict, body: bytes, length, trickle: bytes,
          token: str) -> tuple[int | None, dict | None]:
    revision = server.apiserver.store.revision
    tracemalloc.start()
    try:
        code, status, elapsed = exchange(server, request(method, path, token, headers, body, length), body, trickle)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    where = f"{name} ({'token' if token else 'no token'}) -> {code}"
    assert elapsed < TIME_BOUND, f"{where}: {elapsed:.2f} s"
    assert peak < MEMORY_BOUND, f"{where}: {peak / 2 ** 20:.1f} MiB traced"
    if code is not None:
        assert status["kind"] == "Status" and status["code"] == code, f"{where}: {status}"
        assert 400 <= code < 500 or (code == 501 and "transfer encoding" in status["message"]), f"{where}: {status}"
    assert server.apiserver.store.revision == revision, f"{where} wrote to the store"
    return code, status


@pytest.mark.parametrize("case", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_each_hostile_request_gets_a_quick_status_unauthenticated_and_as_admin(server, case):
    name, *rest = case
    for token_name, token in TOKENS.items():
        code, status = check(server, name, *rest, token)
        assert code is not None, f"{name} with {token_name}: no answer"
        if code in (401, 403):
            assert token != ADMIN, f"{name}: the admin was refused: {status}"


def test_what_each_class_is_answered_as_upstream_answers_it(server):
    answers = {}
    for name, *rest in HOSTILE:
        code, status = check(server, name, *rest, ADMIN)
        answers[name] = (code, status["message"])
    assert answers["negative length"] == (400, 'bad Content-Length "-1"')
    assert answers["50 MiB declared"] == (413, "Request entity too large: limit is 3145728")
    assert answers["endless chunked"][0] == 413
    assert answers["alias bomb"] == (400, "couldn't get version/kind; yaml parse error: "
                                          "yaml: document contains excessive aliasing")
    assert answers["anchor containing itself"][1].endswith("yaml: anchor 'a' value contains itself")
    assert answers["nested 1,000 deep"] == (400, "couldn't get version/kind; json parse error: exceeded max depth")
    assert answers["5,000-digit integer"][0] == 400 and "cannot unmarshal number 9999" in answers["5,000-digit integer"][1]
    assert answers["OPTIONS"][0] == 405
    assert answers["request line over 64 KiB"][0] == 414
    assert answers["header over 64 KiB"][0] == answers["200 headers"][0] == 431


def test_a_stranger_with_a_50_mib_body_is_refused_before_it_is_read(server):
    head = request("POST", CONFIGMAPS, "", JSON, content_length=str(50 * 1024 * 1024))
    code, status, elapsed = exchange(server, head, b"{}")
    assert (code, status["reason"]) == (401, "Unauthorized") and elapsed < 1


def test_a_chunked_body_is_read_as_net_http_reads_it(server):
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "chunky"},
                       "data": {"a": "b" * 300_000}}).encode()
    code, created, _ = exchange(server, request("POST", CONFIGMAPS, ADMIN, CHUNKED), chunked(body, 4096))
    assert code == 201 and created["data"]["a"] == "b" * 300_000


def test_a_lone_surrogate_becomes_the_replacement_character_as_in_go(server):
    code, created, _ = exchange(server, request("POST", CONFIGMAPS, ADMIN, JSON, config_map("lone", b'"x\\ud800y"')),
                                config_map("lone", b'"x\\ud800y"'))
    assert code == 201 and created["data"]["a"] == "x\ufffdy"


def test_a_slow_header_client_is_cut_off_and_others_are_served_meanwhile(server):
    results = {}

    def slowloris():
        results["slow"] = exchange(server, b"GET /api/v1 HTTP/1.1\r\nHost: kubelab\r\n", trickle=b"X-Slow: 1\r\n" * 5)

    thread = threading.Thread(target=slowloris)
    thread.start()
    code, _, elapsed = exchange(server, request("GET", "/readyz", ADMIN, {}))
    thread.join()
    assert code == 200 and elapsed < 0.5
    code, status, elapsed = results["slow"]
    assert code is None and elapsed < 2, "a slow client is closed without an answer, as net/http closes it"


def test_an_alias_bomb_costs_no_one_else_a_wait(server):
    bomb = alias_bomb(12)   # 9^12 values if expanded
    answers = {}
    thread = threading.Thread(target=lambda: answers.update(bomb=exchange(
        server, request("POST", CONFIGMAPS, ADMIN, YAML, bomb), bomb)))
    thread.start()
    code, _, elapsed = exchange(server, request("GET", CONFIGMAPS, ADMIN, {}))
    thread.join()
    assert code == 200 and elapsed < 1
    assert answers["bomb"][0] == 400 and answers["bomb"][2] < 1


@settings(max_examples=60, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(case=st.sampled_from(HOSTILE), token=st.sampled_from(list(TOKENS.values())),
       path=st.sampled_from([CONFIGMAPS, "/api/v1/namespaces/default/pods", "/apis/apps/v1/namespaces/default/"
                                                                              "deployments", "/version", "/nope"]))
def test_hostile_requests_on_any_path_with_any_token(server, case, token, path):
    name, method, case_path, headers, body, length, trickle = case
    check(server, name, method, path if case_path == CONFIGMAPS else case_path, headers, body, length, trickle, token)
