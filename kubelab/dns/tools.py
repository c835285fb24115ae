"""`nslookup`, `wget`, `dig` and `host` for process pods, resolving through the pod's resolv.conf.

    kubectl exec client -- nslookup web          → python -m kubelab.dns.tools nslookup web
    kubectl exec client -- wget -qO- http://web  → python -m kubelab.dns.tools wget -qO- http://web
    kubectl exec dnsutils -- dig +short web.default.svc.cluster.local   (jessie-dnsutils's dig)

The process runtime runs an image's `nslookup`, `wget`, `dig` and `host` as these programs
(process_commands.py), because the host's own would ask the host's resolver, which knows no
cluster names (dns/resolver.py says why kubelab cannot redirect it). They read the pod's
/etc/resolv.conf — the file the kubelet wrote into the pod's folder, found through
$KUBELAB_CONTAINER_DIR — and print what busybox prints, with its exit codes.

Left out: every other option of the four (refused with a usage line, not ignored), HTTPS,
proxies, redirects, and dig's AUTHORITY/ADDITIONAL sections and timing lines.
"""
from __future__ import annotations

import http.client
import ipaddress
import os
import sys
import urllib.parse

from . import wire
from .resolver import ResolvConf, Result, Unreachable, ask, parse_resolv_conf, resolve


def pod_resolv_conf() -> ResolvConf:
    """The container's /etc/resolv.conf (in the pod's folder); the host's when not in a pod."""
    folder = os.environ.get("KUBELAB_CONTAINER_DIR", "")
    path = os.path.join(folder, "etc", "resolv.conf") if folder else "/etc/resolv.conf"
    try:
        with open(path) as file:
            return parse_resolv_conf(file.read())
    except OSError:
        return ResolvConf(["127.0.0.1"])    # libc's default when there is no file


def _conf(server: str) -> ResolvConf:
    """The pod's resolv.conf, its nameservers replaced by `server` when the command names one."""
    conf = pod_resolv_conf()
    if server:
        conf.nameservers = [server]
    return conf


def _resolve_or_say(name: str, server: str, qtype: str) -> Result | None:
    """resolve() through the pod's resolv.conf (or `server`); None, having said so, when no
    server answers."""
    try:
        return resolve(name, _conf(server), qtype)
    except Unreachable:
        print(";; connection timed out; no servers could be reached")
        return None


def _print_records(result: Result, qtype: str) -> None:
    for record in result.answers:
        if record.type == "A":
            print(f"Name:\t{record.name}\nAddress: {record.data}")
        elif record.type == "CNAME":
            print(f"{record.name}\tcanonical name = {record.data}")
        elif record.type == "SRV":
            print(f"{record.name}\tservice = {record.data}")
        else:
            print(f"{record.name}\t{record.type.lower()} = {record.data}")


def nslookup(argv: list[str]) -> int:
    """busybox nslookup [-type=T] NAME [SERVER]."""
    qtype, words = "A", []
    for word in argv:
        if word.startswith(("-type=", "-query=", "-q=")):
            qtype = word.split("=", 1)[1].upper()
        elif word.startswith("-"):
            print(f"nslookup: unrecognized option '{word}'\nUsage: nslookup [-type=QUERY_TYPE] HOST [DNS_SERVER]",
                  file=sys.stderr)
            return 1
        else:
            words.append(word)
    if not 1 <= len(words) <= 2 or qtype not in wire.TYPES:
        print("Usage: nslookup [-type=QUERY_TYPE] HOST [DNS_SERVER]", file=sys.stderr)
        return 1
    result = _resolve_or_say(words[0], words[1] if len(words) == 2 else "", qtype)
    if result is None:
        return 1
    print(f"Server:\t\t{result.server}\nAddress:\t{result.server}:53\n")
    if not result.answers:
        reason = wire.RCODE_NAMES.get(result.rcode, str(result.rcode)) if result.rcode else "NODATA"
        print(f"** server can't find {words[0]}: {reason}\n")
        return 1
    _print_records(result, qtype)
    print()
    return 0


def _first_reply(name: str, conf: ResolvConf, qtype: str) -> Result:
    for server in conf.nameservers:
        try:
            reply = ask(server, name, qtype, timeout=conf.timeout)
        except (OSError, wire.FormatError):
            continue
        return Result(server, name.rstrip("."), reply.rcode, reply.answers)
    raise Unreachable("no servers could be reached")


def dig(argv: list[str]) -> int:
    """dig [@SERVER] NAME [TYPE] [+short] [+search]: bind's dig, its sections in its layout."""
    server, name, qtype, short, search = "", "", "A", False, False
    for word in argv:
        if word.startswith("@"):
            server = word[1:]
        elif word in ("+short", "+search", "+nosearch"):
            short, search = short or word == "+short", (search or word == "+search") and word != "+nosearch"
        elif word.startswith(("+", "-")):
            print(f"Invalid option: {word}\nUsage:  dig [@global-server] [domain] [q-type] [+short] [+search]",
                  file=sys.stderr)
            return 1
        elif word.upper() in wire.TYPES and name:
            qtype = word.upper()
        elif not name:
            name = word
    conf = _conf(server)
    try:
        if search:
            result = resolve(name or ".", conf, qtype)
        else:                          # dig asks the name as given, and shows whatever comes back
            result = _first_reply(name or ".", conf, qtype)
    except Unreachable:
        print(";; connection timed out; no servers could be reached")
        return 9
    if short:
        print("".join(f"{r.data}{'.' if r.type in ('CNAME', 'SRV') else ''}\n" for r in result.answers), end="")
        return 0
    status = wire.RCODE_NAMES.get(result.rcode, str(result.rcode))
    print(f";; ->>HEADER<<- opcode: QUERY, status: {status}\n;; flags: qr rd ra; QUERY: 1, "
          f"ANSWER: {len(result.answers)}\n\n;; QUESTION SECTION:\n;{result.name}.\t\t\tIN\t{qtype}\n")
    if result.answers:
        print(";; ANSWER SECTION:")
        for record in result.answers:
            data = record.data + ("." if record.type in ("CNAME",) else "")
            print(f"{record.name}.\t{record.ttl}\tIN\t{record.type}\t{data}")
        print()
    print(f";; SERVER: {result.server}#53({result.server}) (UDP)")
    return 0


def host(argv: list[str]) -> int:
    """host [-t TYPE] NAME [SERVER]: bind's host, one line per record."""
    qtype, words = "A", list(argv)
    if words[:1] == ["-t"] and len(words) > 1:
        qtype, words = words[1].upper(), words[2:]
    if not 1 <= len(words) <= 2 or words[0].startswith("-") or qtype not in wire.TYPES:
        print("Usage: host [-t type] hostname [server]", file=sys.stderr)
        return 1
    result = _resolve_or_say(words[0], words[1] if len(words) == 2 else "", qtype)
    if result is None:
        return 1
    if not result.answers:
        print(f"Host {words[0]} not found: {result.rcode}({wire.RCODE_NAMES.get(result.rcode, '?')})")
        return 1
    words_for = {"A": "has address", "CNAME": "is an alias for", "SRV": "has SRV record"}
    for record in result.answers:
        print(f"{record.name} {words_for.get(record.type, record.type)} {record.data}")
    return 0


def _address(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        addresses = resolve(host, pod_resolv_conf()).addresses()
    except Unreachable:
        addresses = []
    if not addresses:
        raise LookupError(f"bad address '{host}'")
    return addresses[0]


def wget(argv: list[str]) -> int:
    """busybox wget [-q] [-O FILE] [-T SEC] [--spider] URL."""
    quiet, output, timeout, spider, urls = False, None, 10.0, False, []
    words = list(argv)
    while words:
        word = words.pop(0)
        if word in ("-q", "--quiet"):
            quiet = True
        elif word == "--spider" or word == "-s":
            spider = True
        elif word.startswith("-") and not word.startswith("--") and len(word) > 1 and word[1] in "qOT":
            for at, flag in enumerate(word[1:], 2):   # combined short flags: -qO- , -qO file, -T5
                if flag == "q":
                    quiet = True
                    continue
                if flag not in "OT":
                    print(f"wget: invalid option -- '{flag}'", file=sys.stderr)
                    return 1
                value = word[at:] or (words.pop(0) if words else "")
                if flag == "O":
                    output = value
                elif not value.replace(".", "", 1).isdigit():
                    print(f"wget: invalid number '{value}'", file=sys.stderr)
                    return 1
                else:
                    timeout = float(value)
                break
        elif word.startswith("-"):
            print(f"wget: unrecognized option '{word}'\nUsage: wget [-q] [-O FILE] [-T SEC] [--spider] URL",
                  file=sys.stderr)
            return 1
        else:
            urls.append(word)
    if len(urls) != 1:
        print("Usage: wget [-q] [-O FILE] [-T SEC] [--spider] URL", file=sys.stderr)
        return 1
    url = urllib.parse.urlsplit(urls[0] if "://" in urls[0] else "http://" + urls[0])
    if url.scheme != "http":
        print(f"wget: not an http or ftp url: {urls[0]}", file=sys.stderr)
        return 1
    host, port = url.hostname or "", url.port or 80
    try:
        ip = _address(host)
    except LookupError as error:
        print(f"wget: {error}", file=sys.stderr)
        return 1
    if not quiet:
        print(f"Connecting to {host}{'' if port == 80 else f':{port}'} ({ip}:{port})", file=sys.stderr)
    connection = http.client.HTTPConnection(ip, port, timeout=timeout)
    try:
        connection.request("HEAD" if spider else "GET", (url.path or "/") + (f"?{url.query}" if url.query else ""),
                           headers={"Host": url.netloc, "User-Agent": "Wget"})
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        print(f"wget: can't connect to remote host ({ip}): {error.strerror or error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if response.status >= 400:
        print(f"wget: server returned error: HTTP/1.1 {response.status} {response.reason}", file=sys.stderr)
        return 1
    if spider:
        if not quiet:
            print("remote file exists", file=sys.stderr)
        return 0
    target = output or os.path.basename(url.path) or "index.html"
    if target == "-":
        if not quiet:
            print("writing to stdout", file=sys.stderr)
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        if not quiet:
            print("written to stdout", file=sys.stderr)
    else:
        if not quiet:
            print(f"saving to '{target}'", file=sys.stderr)
        with open(target, "wb") as file:
            file.write(body)
        if not quiet:
            print(f"'{target}' saved", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    programs = {"nslookup": nslookup, "wget": wget, "dig": dig, "host": host}
    if not argv or argv[0] not in programs:
        print("usage: python -m kubelab.dns.tools nslookup|wget|dig|host ARGS...", file=sys.stderr)
        return 2
    return programs[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
