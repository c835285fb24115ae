"""How fast is each store? Memory, file (fsync) and a real etcd, side by side on one machine.

    .venv/bin/python benchmarks/store_bench.py [--seconds 1] [--rounds 3] [--clients 1] [--write-results]

Measures, for every backend with the same client count (threads issuing requests back to
back; 1 by default):
  puts/s             put() of a 256-byte value over 10,000 keys (created, then overwritten)
  reads/s            get() of one existing key
  prefix ranges/s    range(prefix) returning 1,000 keys of 256 bytes
  watch delivery     writes fanned out to 1, 100 and 1,000 watchers on one prefix:
                     events delivered per second, counted in the watchers' callbacks
and prints one markdown table with the ratios to etcd. The watch rows use one writer whatever
--clients says. `--write-results` also puts the table,
the command and the machine's facts under "## Store" in benchmarks/RESULTS.md.

The memory store is not thread-safe; with --clients > 1 its calls go through one lock (the
API server serializes them the same way). etcd runs with its Debian defaults except for a
fresh data directory and ports; its data directory and the file store's share one disk.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.store import MemoryStore  # noqa: E402
from kubelab.store.etcd import EtcdStore  # noqa: E402
from kubelab.store.etcd_process import EtcdProcess, etcd_version, find_etcd  # noqa: E402

VALUE = "v" * 256
PUT_KEYS = 10_000
RANGE_KEYS = 1_000
WATCHER_COUNTS = (1, 100, 1_000)
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


# -- the backends -----------------------------------------------------------------------------
class Locked:
    """A store whose every call goes through one lock (for a store that is not thread-safe)."""

    def __init__(self, store) -> None:
        self._store, self._lock = store, threading.Lock()

    def __getattr__(self, name):
        method = getattr(self._store, name)
        if not callable(method):
            return method

        def locked(*args, **kwargs):
            with self._lock:
                return method(*args, **kwargs)
        return locked


def backends(data_root: str, clients: int) -> dict[str, Callable[[], tuple[object, Callable]]]:
    """name -> factory() -> (a fresh store, a function that tears it down)."""
    def memory():
        store = MemoryStore()
        return (Locked(store) if clients > 1 else store), store.close

    def file():
        from kubelab.store.file import FileStore
        directory = tempfile.mkdtemp(dir=data_root, prefix="file-")
        store = FileStore(directory)
        return store, store.close

    def etcd():
        # etcd's default progress-notify interval (10 min): no chatter during the watch runs.
        process = EtcdProcess(data_dir=tempfile.mkdtemp(dir=data_root, prefix="etcd-") + "/member",
                              progress_notify_interval="10m").start()
        store = EtcdStore(process.endpoint)

        def stop():
            store.close()
            process.stop()
        return store, stop

    found = {"memory": memory}
    try:
        import kubelab.store.file  # noqa: F401
        found["file"] = file
    except ImportError:
        print("file store: kubelab/store/file.py is not there yet; left out", file=sys.stderr)
    found["etcd"] = etcd
    return found


# -- the measurements -------------------------------------------------------------------------
def rate(operation: Callable[[int], None], seconds: float, clients: int) -> float:
    """Operations per second: `clients` threads each call operation(i) until time is up."""
    counts, cpu_seconds = [0] * clients, [0.0] * clients
    start = time.perf_counter()
    deadline = start + seconds

    def client(number: int) -> None:
        i = number
        cpu_start = time.thread_time()
        while time.perf_counter() < deadline:
            for _ in range(50):
                operation(i)
                i += clients
            counts[number] += 50
        cpu_seconds[number] = time.thread_time() - cpu_start

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rate.cpu = sum(counts) / sum(cpu_seconds)
    return sum(counts) / (time.perf_counter() - start)


def measure_puts(store, seconds, clients):
    return rate(lambda i: store.put(f"/bench/put/{i % PUT_KEYS:05d}", VALUE), seconds, clients)


def measure_reads(store, seconds, clients):
    for i in range(100):
        store.put(f"/bench/read/{i:03d}", VALUE)
    return rate(lambda i: store.get(f"/bench/read/{i % 100:03d}"), seconds, clients)


def measure_ranges(store, seconds, clients):
    for i in range(RANGE_KEYS):
        store.put(f"/bench/range/{i:04d}", VALUE)

    def one_range(i):
        assert len(store.range("/bench/range/", prefix=True).kvs) == RANGE_KEYS
    return rate(one_range, seconds, clients)


def measure_watch(store, watchers: int, seconds: float) -> float:
    """Events delivered per second with `watchers` watchers on one prefix (doubling rounds)."""
    prefix = f"/bench/watch/{watchers}/"
    delivered, elapsed, writes = 0, 0.0, 8
    while elapsed < seconds:
        remaining = [watchers]
        lock, done = threading.Lock(), threading.Event()

        def counter(target: int):
            heard = [0]

            def on_response(response):
                heard[0] += len(response.events)
                if heard[0] == target:
                    with lock:
                        remaining[0] -= 1
                        if remaining[0] == 0:
                            done.set()
            return on_response

        handles = [store.watch(prefix, counter(writes), prefix=True) for _ in range(watchers)]
        start = time.perf_counter()
        for i in range(writes):
            store.put(f"{prefix}{i % 100:02d}", VALUE)
        if not done.wait(timeout=300):
            raise TimeoutError(f"{watchers} watchers did not hear {writes} writes in 300 s")
        elapsed += time.perf_counter() - start
        delivered += watchers * writes
        for handle in handles:
            handle.cancel()
        writes *= 2
    return delivered / elapsed


# -- the report -------------------------------------------------------------------------------
def load_average() -> str:
    """Other work on the machine skews every figure: the report says how busy it was."""
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def machine_facts(data_root: str, load_at_start: str, fsyncs: list[float]) -> dict[str, str]:
    etcd = find_etcd()
    return {
        "cores": f"{os.cpu_count()} (nproc {len(os.sched_getaffinity(0))})",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "etcd": f"{etcd_version(etcd)} ({etcd})",
        "disk": f"{filesystem(data_root)}; fsync of 4 KiB, median at the start of each round: "
                + ", ".join(f"{ms:.2f} ms" for ms in fsyncs),
        "os": platform.platform(),
        "load average (1, 5, 15 min) at the start": load_at_start,
        "load average at the end": load_average(),
    }


def filesystem(path: str) -> str:
    """'ext4 on /dev/vda (mounted at /)': the longest mount point that holds `path`."""
    best = ("?", "?", "/")
    for line in Path("/proc/mounts").read_text().splitlines():
        device, mount, kind = line.split()[:3]
        if path.startswith(mount) and len(mount) >= len(best[2]):
            best = (kind, device, mount)
    return f"{best[0]} on {best[1]} (mounted at {best[2]}, data in {path})"


def fsync_ms(directory: str, samples: int = 50) -> float:
    times = []
    with tempfile.NamedTemporaryFile(dir=directory) as probe:
        for _ in range(samples):
            probe.write(b"x" * 4096)
            probe.flush()
            start = time.perf_counter()
            os.fsync(probe.fileno())
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def table(results: dict[str, dict[str, float]]) -> str:
    names = list(results)
    rows = list(next(iter(results.values())))
    ratio_to = "etcd" if "etcd" in results else None
    header = ["measure", *names] + [f"{n}/etcd" for n in names if ratio_to and n != "etcd"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row] + [f"{results[n][row]:,.0f}" for n in names]
        if ratio_to:
            cells += [f"{results[n][row] / results['etcd'][row]:,.1f}×" for n in names if n != "etcd"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(text: str) -> None:
    """Replace the "## Store" section of RESULTS.md (or add it at the end)."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start = old.find("\n## Store\n")
    if start < 0:
        RESULTS.write_text(old.rstrip("\n") + "\n\n" + text)
        return
    end = old.find("\n## ", start + 1)
    RESULTS.write_text(old[:start + 1] + text + (old[end:] if end >= 0 else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--clients", type=int, default=1, help="concurrent client threads")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each figure is the median")
    parser.add_argument("--only", action="append", help="run only this backend (repeatable)")
    parser.add_argument("--data-dir", default=tempfile.gettempdir(),
                        help="where the file store and etcd keep their data (one disk)")
    parser.add_argument("--write-results", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    data_root = tempfile.mkdtemp(dir=args.data_dir, prefix="kubelab-bench-")
    measures = [("puts/s", lambda store: measure_puts(store, args.seconds, args.clients)),
                ("single-key reads/s", lambda store: measure_reads(store, args.seconds, args.clients)),
                (f"prefix ranges/s ({RANGE_KEYS:,} keys)",
                 lambda store: measure_ranges(store, args.seconds, args.clients))]
    for watchers in WATCHER_COUNTS:
        measures.append((f"watch events delivered/s, {watchers:,} watcher{'s' * (watchers > 1)}",
                         lambda store, watchers=watchers: measure_watch(store, watchers, args.seconds)))
    samples: dict[str, dict[str, list[float]]] = {}
    fsyncs: list[float] = []
    cpu_rates: dict[str, list[float]] = {}  # memory store: operations per CPU-second
    load_at_start = load_average()
    try:
        makers = {name: make for name, make in backends(data_root, args.clients).items()
                  if not args.only or name in args.only}
        # Rounds, and within a round the backends one after the other for each measure: the
        # machine's mood (a neighbour's disk traffic) then falls on every backend alike.
        for round_number in range(args.rounds):
            fsyncs.append(fsync_ms(data_root))
            for label, measure in measures:
                for name, make in makers.items():
                    store, stop = make()
                    rate.cpu = None
                    try:
                        figure = measure(store)
                    finally:
                        stop()
                    samples.setdefault(name, {}).setdefault(label, []).append(figure)
                    if name == "memory" and rate.cpu:   # it runs in the client threads
                        cpu_rates.setdefault(label, []).append(rate.cpu)
                    print(f"round {round_number + 1} {name:7} {label:42} {figure:>12,.0f}",
                          file=sys.stderr)
        facts = machine_facts(data_root, load_at_start, fsyncs)
    finally:
        subprocess.run(["rm", "-rf", data_root])
    results = {name: {label: statistics.median(figures) for label, figures in by_label.items()}
               for name, by_label in samples.items()}
    command = ".venv/bin/python benchmarks/store_bench.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    report = "\n".join([
        "## Store",
        "",
        f"{datetime.date.today()}, commit {git_commit()}, {args.clients} client"
        f"{'s' * (args.clients > 1)}, each figure the median of {args.rounds} rounds of "
        f"{args.seconds:g} s. Reproduce with:",
        "",
        "    " + command.strip(),
        "",
        table(results),
        "",
        *([f"Memory store on one core (operations per CPU-second of the client thread, "
           f"which is what the load of other work on the machine cannot skew): "
           + "; ".join(f"{statistics.median(figures):,.0f} {label}"
                       for label, figures in cpu_rates.items()) + ".", ""] if cpu_rates else []),
        *[f"- {name}: {value}" for name, value in facts.items()],
        "",
    ])
    print(report)
    if args.write_results:
        write_results(report)
    return 0


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent)
    return done.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
