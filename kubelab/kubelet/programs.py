"""The runnable images of the process runtime: small Python programs standing in for servers.

`kubelab up --runtime process` runs each container as a real process. An image whose process
is a shell script or a coreutil (busybox, alpine, debian…) runs the real command through the
host's /bin/sh; an image whose process is a *server* (nginx, httpd, hello-app, agnhost,
`python -m http.server`…) runs this instead:

    python -m kubelab.kubelet.programs serve --ip 127.244.1.2 --port 80 [--port 8080] --name web-1

a threaded HTTP server on the pod's loopback IP and the image's ports that answers every GET
with 200 and a one-line page naming the pod (so `curl` through a Service shows which pod
answered), prints nginx's start-up lines and one access-log line per request on stdout (what
`kubectl logs` shows), and exits 0 on SIGTERM, as nginx does.

`polinux/stress` (the docs' memory-limit example) runs `programs stress --vm 1 --vm-bytes 150M
…`: it allocates and touches that much memory, so its resident set really passes a small
`resources.limits.memory` and the container shim's OOM monitor kills it (OOMKilled, 137).

It never listens beyond the pod's IP, which the process runtime only hands out from 127.0.0.0/8.
"""
from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Page(BaseHTTPRequestHandler):
    server_version = "nginx/1.27.3"
    sys_version = ""

    def do_GET(self) -> None:
        body = f"Hello from {self.server.pod_name} ({self.server.server_address[0]}:{self.server.server_address[1]})\n"
        payload = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_HEAD = do_GET

    def log_message(self, format: str, *args) -> None:   # nginx's "combined" access log, on stdout
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
        agent = self.headers.get("User-Agent", "-") if self.headers else "-"
        print(f'{self.client_address[0]} - - [{stamp}] "{self.requestline}" {args[1] if len(args) > 1 else "-"} '
              f'- "-" "{agent}" "-"', flush=True)


def serve(ip: str, ports: list[int], name: str) -> int:
    servers = []
    for port in ports:
        try:
            server = ThreadingHTTPServer((ip, port), _Page)
        except OSError as error:
            print(f"[emerg] bind() to {ip}:{port} failed ({error.errno}: {error.strerror})", file=sys.stderr,
                  flush=True)
            return 1
        server.daemon_threads = False   # server_close() waits for the requests in flight
        server.pod_name = name
        servers.append(server)
    print("/docker-entrypoint.sh: Configuration complete; ready for start up", flush=True)
    for server in servers:
        print(f"listening on {ip}:{server.server_address[1]}", flush=True)
        threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True).start()
    done = threading.Event()

    def stop_listening(*_) -> None:
        # As nginx on SIGTERM: stop accepting at once (new connections are refused, so a proxy
        # tries another pod), finish what is in flight, then exit.
        for server in servers:
            try:
                server.socket.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        done.set()
    signal.signal(signal.SIGTERM, stop_listening)
    signal.signal(signal.SIGINT, stop_listening)
    done.wait()
    for server in servers:
        server.shutdown()
        server.server_close()
    return 0


def stress(args: list[str]) -> int:
    """polinux/stress's memory hog, as the docs' "exceed a container's memory limit" runs it:
    `--vm N --vm-bytes SIZE [--vm-hang S] [--vm-keep] [--timeout S]` allocates SIZE per worker,
    touches every page (so it is resident, as stress's memset-per-page is), holds it S seconds
    (0: for ever), frees it, and again. Workers are one process here; other hogs are refused."""
    import os
    options, words = {"--vm": "1", "--vm-bytes": "256M", "--vm-hang": None, "--timeout": None}, list(args)
    keep = False
    while words:
        word = words.pop(0)
        if word == "--vm-keep":
            keep = True
        elif word in options and words:
            options[word] = words.pop(0)
        else:
            print(f"stress: FAIL: [{os.getpid()}] kubelab's stress runs memory hogs only (--vm, --vm-bytes, "
                  f"--vm-hang, --vm-keep, --timeout); not {word}", file=sys.stderr, flush=True)
            return 1
    amount = options["--vm-bytes"]
    scale = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(amount[-1:].upper())
    size = int(amount[:-1] if scale else amount) * (scale or 1) * int(options["--vm"])
    print(f"stress: info: [{os.getpid()}] dispatching hogs: 0 cpu, 0 io, {options['--vm']} vm, 0 hdd", flush=True)
    deadline = time.monotonic() + float(options["--timeout"]) if options["--timeout"] else None
    hog = None
    while deadline is None or time.monotonic() < deadline:
        if hog is None or not keep:
            hog = bytearray(size)
            for page in range(0, size, 4096):   # resident only once written
                hog[page] = 0x5A
        hang = float(options["--vm-hang"]) if options["--vm-hang"] is not None else 0.0
        if options["--vm-hang"] is not None and hang == 0:
            threading.Event().wait()
        time.sleep(hang if hang else 0.01)
        if not keep:
            hog = None
    print(f"stress: info: [{os.getpid()}] successful run completed", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["stress"]:
        return stress(argv[1:])
    parser = argparse.ArgumentParser(prog="kubelab.kubelet.programs")
    commands = parser.add_subparsers(dest="program", required=True)
    server = commands.add_parser("serve", help="an HTTP server naming its pod")
    server.add_argument("--ip", required=True)
    server.add_argument("--port", type=int, action="append", required=True)
    server.add_argument("--name", default="")
    args = parser.parse_args(argv)
    if not args.ip.startswith("127."):
        print(f"refusing to listen on {args.ip}: the process runtime only binds loopback addresses", file=sys.stderr)
        return 2
    return serve(args.ip, args.port, args.name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
