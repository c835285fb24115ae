"""What does a hostile request cost the API server, and what does it cost everyone else?

    .venv/bin/python benchmarks/hostile_bench.py [--rounds 5] [--bombs 8]

For each hostile class of tests/apiserver/fuzz/test_hostile_requests.py (lying lengths, 50 MiB
declared, endless chunked bodies, nesting 1,000 deep, alias bombs, 5,000-digit numbers,
over-long lines, OPTIONS), sent --rounds times without a token and with an admin's, over a
raw socket to a secured `kubelab apiserver` on 127.0.0.1: the answer, the slowest answer in
ms, and the traced memory peak (tracemalloc) of the whole process during one request.
Then --bombs clients send 12-level alias bombs (9^12 values if expanded) and --bombs clients
hold slow-header connections, all at once, while one admin lists ConfigMaps: that list's
p50 / max latency beside the same list on an idle server.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("hostile", ROOT / "tests/apiserver/fuzz/test_hostile_requests.py")
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

from kubelab.apiserver.http.process import start_apiserver  # noqa: E402


def list_latencies(server, count: int) -> list[float]:
    head = hostile.request("GET", hostile.CONFIGMAPS, hostile.ADMIN, {})
    return [hostile.exchange(server, head)[2] * 1000 for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bombs", type=int, default=8)
    options = parser.parse_args()
    tokens = Path("/tmp/kubelab-hostile-bench-tokens.csv")
    tokens.write_text(f'{hostile.ADMIN},kubernetes-admin,kubernetes-admin,"system:masters"\n')
    server = start_apiserver(port=0, token_auth_file=str(tokens))
    server.http.read_header_timeout = 2.0
    print("| class | answer (no token / admin) | slowest ms | traced peak MiB |")
    print("|---|---|---|---|")
    for name, method, path, headers, body, length, trickle in hostile.HOSTILE:
        codes, slowest, peak = [], 0.0, 0
        for token in ("", hostile.ADMIN):
            for _ in range(options.rounds):
                tracemalloc.start()
                code, _, seconds = hostile.exchange(server, hostile.request(method, path, token, headers, body, length),
                                                    body, trickle)
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
                slowest = max(slowest, seconds * 1000)
            codes.append(str(code))
        print(f"| {name} | {' / '.join(codes)} | {slowest:.1f} | {peak / 2 ** 20:.1f} |")
    idle = list_latencies(server, 50)
    bomb = hostile.alias_bomb(12)
    stop = threading.Event()

    def bomber():
        while not stop.is_set():
            hostile.exchange(server, hostile.request("POST", hostile.CONFIGMAPS, hostile.ADMIN, hostile.YAML, bomb),
                             bomb)

    def slowloris():
        while not stop.is_set():
            hostile.exchange(server, b"GET /api/v1 HTTP/1.1\r\nHost: x\r\n", trickle=b"X-Slow: 1\r\n" * 40)

    threads = [threading.Thread(target=target, daemon=True) for target in [bomber] * options.bombs +
               [slowloris] * options.bombs]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    busy = list_latencies(server, 50)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    print(f"\nlist of ConfigMaps, ms p50 / max: idle {statistics.median(idle):.1f} / {max(idle):.1f}; "
          f"with {options.bombs} alias bombers and {options.bombs} slow-header clients "
          f"{statistics.median(busy):.1f} / {max(busy):.1f}")
    server.stop()


if __name__ == "__main__":
    main()
