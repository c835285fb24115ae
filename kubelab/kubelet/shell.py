"""What a simulated container's process does: its argv, run on virtual time.

A container runs the image's ENTRYPOINT + CMD, replaced by the pod's `command` and `args`
(command replaces ENTRYPOINT and drops CMD; args replace CMD). kubelab turns that argv into a
*program*: a Python generator that yields what the process does next, and returns its exit
code. The runtime drives it on the clock:

    ("log", text)       a line on stdout (kubectl logs)
    ("sleep", seconds)  nothing for a while
    ("serve", ports)    start listening (probes and Services reach it from now on)
    ("wait",)           block until a signal (a server, `sleep infinity`, `tail -f /dev/null`)
    return code         the process exits: 0 Completed, else Error

`sh -c '...'` scripts run in a tiny shell: `;`, `&&`, `||`, `while/until ...; do ...; done`,
`for x in ...; do ...; done`, `if ...; then ...; else ...; fi`, `$VAR`, `> file`, and the
coreutils a busybox has (echo, sleep, exit, cat, touch, rm, mkdir, ls, test/[, date, hostname,
env, wget, nslookup, trap, kill). A command the image lacks is "sh: X: not found" (exit 127).

Signals: a shell or `sleep` running as PID 1 has no SIGTERM handler, so the kernel ignores the
signal and the container lives until SIGKILL at the end of the grace period (137) — the real
reason a `busybox sleep 3600` pod takes 30 s to delete. Servers exit 0 on SIGTERM; a script
with `trap ... TERM` exits when told.

Real Kubernetes runs whatever binary the image holds; kubelab knows only the catalogue's
(images.py) and this shell, because the lesson is the kubelet's handling of a process's life,
not the process.
"""
from __future__ import annotations

import posixpath
import re
import shlex
import time
from typing import Callable, Generator

from .images import ImageBehaviour

Program = Generator[tuple, None, int]
SERVERS = {"nginx", "httpd-foreground", "httpd", "redis-server", "/hello-app", "/server", "/goproxy", "postgres",
           "mysqld", "memcached", "apache2-foreground", "/usr/local/bin/run.sh", "traefik", "/pause", "fluentd",
           "/coredns"}
PI = "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798"


class StartError(Exception):
    """The runtime could not exec the container's process (runc's words)."""


def effective_argv(image: ImageBehaviour, command: list | None, args: list | None) -> list[str]:
    """Kubernetes' rule for ENTRYPOINT/CMD versus command/args."""
    if command:
        return list(command) + list(args or [])
    return list(image.entrypoint) + (list(args) if args else list(image.cmd))


def check_executable(image: ImageBehaviour, argv: list[str]) -> None:
    """Raise StartError as runc does when argv[0] is not in the image."""
    if not argv:
        raise StartError("failed to create containerd task: failed to create shim task: OCI runtime create "
                         "failed: runc create failed: unable to start container process: exec: no command "
                         "specified: unknown")
    name = argv[0]
    if name in image.binaries or posixpath.basename(name) in image.binaries:
        return
    detail = f"stat {name}: no such file or directory" if "/" in name else \
        f'exec: "{name}": executable file not found in $PATH'
    raise StartError("failed to create containerd task: failed to create shim task: OCI runtime create "
                     "failed: runc create failed: unable to start container process: " + detail + ": unknown")


class FileView:
    """A container's files: its own, plus volumes mounted at paths (shared dicts, e.g. emptyDir)."""

    def __init__(self, mounts: dict[str, dict] | None = None):
        self.root: dict[str, str] = {}
        self.mounts = dict(mounts or {})            # mount path -> {relative path: content}

    def _place(self, path: str) -> tuple[dict, str]:
        path = posixpath.normpath(path)
        for mount in sorted(self.mounts, key=len, reverse=True):
            if path == mount or path.startswith(mount.rstrip("/") + "/"):
                return self.mounts[mount], posixpath.relpath(path, mount)
        return self.root, path

    def read(self, path: str) -> str | None:
        table, relative = self._place(path)
        return table.get(relative)

    def write(self, path: str, text: str, append: bool = False) -> None:
        table, relative = self._place(path)
        table[relative] = (table.get(relative, "") if append else "") + text

    def remove(self, path: str) -> bool:
        table, relative = self._place(path)
        return table.pop(relative, None) is not None

    def listing(self, path: str) -> list[str]:
        table, relative = self._place(path)
        prefix = "" if relative == "." else relative.rstrip("/") + "/"
        return sorted({key[len(prefix):].split("/")[0] for key in table if key.startswith(prefix)})


class Process:
    """One container's main process: its program and what it does on SIGTERM."""

    def __init__(self, image: ImageBehaviour, argv: list[str], env: dict[str, str], files: FileView,
                 hostname: str, now: Callable[[], float], resolve: Callable[[str], object] | None = None):
        self.image, self.argv, self.env, self.files = image, argv, env, files
        self.hostname, self.now = hostname, now
        self.resolve = resolve or (lambda name: None)
        self.exits_on_sigterm = False        # PID 1 without a handler ignores SIGTERM
        self.listening: set[int] = set()
        self.memory_mib = image.memory_mib
        self.stdin = ""                      # what an exec's stdin holds (closed after it)

    def program(self) -> Program:
        return self._exec(self.argv, top=True)

    # -- executables ---------------------------------------------------------------------
    def _exec(self, argv: list[str], top: bool = False) -> Program:
        name = posixpath.basename(argv[0]) if not argv[0].startswith("/") or argv[0] not in SERVERS else argv[0]
        if name.endswith("entrypoint.sh") or name == "run.sh" and argv[0] != "/usr/local/bin/run.sh":
            rest = argv[1:] or list(self.image.cmd)
            if not rest or rest[0].startswith("-"):
                rest = [next(iter(sorted(self.image.binaries & SERVERS)), "sh")] + rest
            return (yield from self._exec(rest, top))
        if argv[0] in SERVERS or name in SERVERS:
            return (yield from self._server(argv))
        if name in ("sh", "bash", "ash"):
            if len(argv) > 2 and argv[1] == "-c":
                self.exits_on_sigterm = False
                return (yield from self.script(argv[2]))
            if len(argv) > 1:
                yield ("log", f"{name}: can't open '{argv[1]}': No such file or directory")
                return 2
            script, self.stdin = self.stdin, ""   # the script on stdin (read to its end), or none
            return (yield from self.script(script)) if script else 0
        if name in ("python", "python3"):
            return (yield from self._python(argv[1:]))
        if name == "perl":
            if any("bpi" in word for word in argv):
                yield ("sleep", 3.0)
                yield ("log", PI)
            return 0
        if name == "stress":
            return (yield from self._stress(argv[1:]))
        if name == "/agnhost" or name == "agnhost":
            port = 9376 if "serve-hostname" in argv else 8080
            return (yield from self._server(argv, ports=(port,)))
        return (yield from self.command(argv, top))

    def _server(self, argv: list[str], ports: tuple[int, ...] | None = None) -> Program:
        program = posixpath.basename(argv[0])
        if program == "mysqld" and not any(k in self.env for k in (
                "MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD")):
            yield ("log", "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified")
            yield ("log", "    You need to specify one of the following as an environment variable:")
            yield ("log", "    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD")
            return 1
        if program == "postgres" and "POSTGRES_PASSWORD" not in self.env and \
                self.env.get("POSTGRES_HOST_AUTH_METHOD") != "trust":
            yield ("log", "Error: Database is uninitialized and superuser password is not specified.")
            return 1
        self.exits_on_sigterm = True
        yield ("started", program)
        yield ("serve", ports if ports is not None else self.image.serves)
        yield ("wait",)
        return 0

    def _python(self, args: list[str]) -> Program:
        if args[:2] == ["-m", "http.server"]:
            port = int(args[2]) if len(args) > 2 and args[2].isdigit() else 8000
            yield ("log", f"Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ...")
            self.exits_on_sigterm = True
            yield ("serve", (port,))
            yield ("wait",)
        return 0  # `python -c ...` or a REPL with stdin closed: done

    def _stress(self, args: list[str]) -> Program:
        if "--vm-bytes" in args:
            amount = args[args.index("--vm-bytes") + 1]
            number = int(re.match(r"\d+", amount).group()) if re.match(r"\d+", amount) else 0
            scale = {"K": 1 / 1024, "M": 1, "G": 1024}.get(amount[-1:].upper(), 1 / (1024 * 1024))
            self.memory_mib = max(self.memory_mib, int(number * scale))
        yield ("log", f"stress: info: [1] dispatching hogs: 0 cpu, 0 io, {args.count('--vm') and 1} vm, 0 hdd")
        yield ("wait",)
        return 0

    # -- the shell -------------------------------------------------------------------------
    def script(self, text: str) -> Program:
        """Run a `sh -c` script; its exit code is its last command's."""
        lexer = shlex.shlex(text.replace("\n", " ; "), posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        words = list(lexer)
        statements, _ = _parse(words, 0, ())
        return (yield from self._run_list(statements))

    def _run_list(self, statements: list) -> Program:
        code = 0
        for connector, statement in statements:
            if connector == "&&" and code != 0 or connector == "||" and code == 0:
                continue
            code = yield from self._run(statement)
            if isinstance(code, tuple):  # ("exit", n) travels up to the script
                return code if self._nested else code[1]
        return code

    _nested = False

    def _run(self, statement) -> Program:
        kind = statement[0]
        if kind == "simple":
            return (yield from self.command(statement[1]))
        outer, self._nested = self._nested, True
        try:
            if kind in ("while", "until"):
                while True:
                    test = yield from self._run_list(statement[1])
                    if isinstance(test, tuple):
                        return test
                    if (test == 0) != (kind == "while"):
                        return 0
                    result = yield from self._run_list(statement[2])
                    if isinstance(result, tuple):
                        return result
                    yield ("sleep", 0.0)   # a busy loop still lets time move
            if kind == "for":
                result = 0
                for value in statement[2]:
                    self.env[statement[1]] = self._expand(value)
                    result = yield from self._run_list(statement[3])
                    if isinstance(result, tuple):
                        return result
                return result
            if kind == "if":
                test = yield from self._run_list(statement[1])
                if isinstance(test, tuple):
                    return test
                return (yield from self._run_list(statement[2] if test == 0 else statement[3]))
        finally:
            self._nested = outer
        return 0

    def _expand(self, word: str) -> str:
        word = word.replace("$(date)", time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(int(self.now()))))
        word = word.replace("$(hostname)", self.hostname).replace("$HOSTNAME", self.hostname)
        return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: self.env.get(m.group(1), ""), word)

    def command(self, words: list[str], top: bool = False) -> Program:
        """One simple command, its redirection applied."""
        words = [self._expand(word) for word in words]
        target, append = None, False
        for op in (">>", ">"):
            if op in words:
                index = words.index(op)
                target, append, words = words[index + 1], op == ">>", words[:index]
                break
        if not words:
            return 0
        name, args = posixpath.basename(words[0]), words[1:]
        output: list[str] = []
        if name not in self.image.binaries and words[0] not in self.image.binaries and name not in ("exit", "[", "test"):
            yield ("log", f"sh: {words[0]}: not found")
            return 127
        if name == "exit":
            code = int(args[0]) if args and args[0].lstrip("-").isdigit() else 0
            return ("exit", code) if not top else code
        if name in ("sh", "bash") or words[0] in SERVERS or name in ("python", "python3", "perl", "stress"):
            return (yield from self._exec(words))
        code = 0
        if name == "echo":
            output.append(" ".join(a for a in args if a != "-n"))
        elif name == "sleep":
            if args and args[0] == "infinity":
                yield ("wait",)
            else:
                yield ("sleep", _seconds(args[0] if args else "0"))
        elif name == "true":
            pass
        elif name == "false":
            code = 1
        elif name == "cat":
            if not args and self.stdin:   # no file: stdin, to its end
                output.extend(self.stdin.rstrip("\n").split("\n"))
                self.stdin = ""
            for path in args:
                text = self.files.read(path)
                if text is None:
                    yield ("log", f"cat: can't open '{path}': No such file or directory")
                    code = 1
                else:
                    output.extend(text.rstrip("\n").split("\n") if text else [])
        elif name == "touch":
            for path in args:
                if self.files.read(path) is None:
                    self.files.write(path, "")
        elif name == "rm":
            for path in (a for a in args if not a.startswith("-")):
                if not self.files.remove(path) and "-f" not in args and "-rf" not in args:
                    yield ("log", f"rm: can't remove '{path}': No such file or directory")
                    code = 1
        elif name in ("test", "["):
            paths = [a for a in args if a not in ("]", "-f", "-e", "-d")]
            code = 0 if paths and self.files.read(paths[0]) is not None else 1
        elif name == "ls":
            output.extend(self.files.listing(args[-1] if args else "/"))
        elif name == "date":
            output.append(time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(int(self.now()))))
        elif name == "hostname":
            output.append(self.hostname)
        elif name == "printenv" and args:
            output.extend(self.env[a] for a in args if a in self.env)
            code = 0 if all(a in self.env for a in args) else 1
        elif name in ("env", "printenv"):
            output.extend(f"{k}={v}" for k, v in sorted(self.env.items()))
        elif name == "nslookup":
            answer = self.resolve(args[0]) if args else None
            lines = answer.lines() if hasattr(answer, "lines") else \
                ([f"Name:\t{args[0]}", f"Address: {answer}"] if answer else
                 [f"** server can't find {args[0] if args else ''}: NXDOMAIN"])
            code = 0 if answer else 1
            output.extend(lines)
        elif name in ("wget", "curl"):
            url = next((a for a in args if not a.startswith("-")), "")
            host = url.split("://")[-1].split("/")[0].split(":")[0]
            code = 0 if self.resolve(host) else 1
            if code:
                yield ("log", f"{name}: bad address '{host}'")
        elif name == "trap":
            self.exits_on_sigterm = True
        elif name == "tail" and "-f" in args:
            yield ("wait",)
        elif name == "yes":
            yield ("wait",)
        if target is not None:
            self.files.write(target, "".join(line + "\n" for line in output), append)
        else:
            for line in output:
                yield ("log", line)
        return code


def _seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", text)
    if not match:
        return 0.0
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _parse(words: list[str], index: int, stops: tuple[str, ...]) -> tuple[list, int]:
    """A statement list until one of `stops` (a keyword at a command's start): [(connector, stmt)]."""
    statements, connector = [], ";"
    while index < len(words):
        word = words[index]
        if word in stops:
            return statements, index
        if word in (";", "&"):
            connector, index = ";", index + 1
            continue
        if word in ("&&", "||"):
            connector, index = word, index + 1
            continue
        if word in ("while", "until"):
            test, index = _parse(words, index + 1, ("do",))
            body, index = _parse(words, index + 1, ("done",))
            statement, index = (word, test, body), index + 1
        elif word == "for":
            variable, index = words[index + 1], index + 2
            values = []
            if index < len(words) and words[index] == "in":
                index += 1
                while index < len(words) and words[index] not in (";", "do"):
                    values.append(words[index])
                    index += 1
            while index < len(words) and words[index] in (";",):
                index += 1
            body, index = _parse(words, index + 1, ("done",))
            statement, index = ("for", variable, values, body), index + 1
        elif word == "if":
            test, index = _parse(words, index + 1, ("then",))
            then, index = _parse(words, index + 1, ("else", "fi"))
            otherwise = []
            if index < len(words) and words[index] == "else":
                otherwise, index = _parse(words, index + 1, ("fi",))
            statement, index = ("if", test, then, otherwise), index + 1
        else:
            simple = []
            while index < len(words) and words[index] not in (";", "&", "&&", "||"):
                simple.append(words[index])
                index += 1
            statement = ("simple", simple)
        statements.append((connector, statement))
        connector = ";"
    return statements, index
