"""`kubelab store`: kubelab's etcdctl, for a file store's data directory or a real etcd.

    kubelab store --data-dir DIR | --endpoints URL  COMMAND
      put KEY VALUE [--lease ID] [--prev-kv]                       prints OK
      get KEY [RANGE_END] [--prefix] [--rev N] [--limit N] [--keys-only] [--count-only] [-w json]
      del KEY [RANGE_END] [--prefix] [--prev-kv]                   prints how many went
      watch KEY [RANGE_END] [--prefix] [--rev N] [--prev-kv]
      compact N
      snapshot save FILE | snapshot restore FILE --data-dir NEW | snapshot status FILE [-w F]

What it models. etcdctl's commands and output shapes, so that what a lesson shows here is
what an operator sees on a real control-plane node: `get` prints each key, then its value,
on its own line; `-w json` prints etcd's JSON (keys and values base64, zero fields left out);
`snapshot status` prints etcdctl's table. Errors are one line, "Error: ..." in etcdctl's
words, on stderr, with a non-zero exit (2 for a usage error, 1 for an error from the store),
never a traceback.

Left out: leases, members, auth, alarms and defrag. With `--data-dir`, this process holds the
directory while it runs (as etcd does), so nobody else can write: `watch` then prints the
changes kept since `--rev` and returns, where against `--endpoints` it follows new ones
until interrupted. etcdctl's default output for `snapshot status` is "simple"; kubelab's is
the table, which reads better in a lesson (`-w simple` gives etcdctl's).
"""
from __future__ import annotations

import argparse
import base64
import json
import math
import sys
import threading
from pathlib import Path

from . import snapshot
from .interface import KeyValue, StoreError


class UsageError(Exception):
    """Bad command-line input: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit; we want one line
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kubelab store", description="kubelab's etcdctl")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data-dir", help="a file store's data directory")
    where.add_argument("--endpoints", help="a real etcd's client URL, e.g. http://127.0.0.1:2379")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    put = commands.add_parser("put", help="put a key")
    put.add_argument("words", nargs="*")
    put.add_argument("--lease", default="0", help="lease ID (hex) to attach the key to")
    put.add_argument("--prev-kv", action="store_true")
    helps = {"get": "get keys (a range, a prefix, at a past revision)", "del": "delete keys",
             "watch": "watch keys for changes"}
    for name in ("get", "del", "watch"):
        command = commands.add_parser(name, help=helps[name])
        command.add_argument("words", nargs="*")
        command.add_argument("--prefix", action="store_true")
        if name != "del":
            command.add_argument("--rev", default="0")
        if name != "get":
            command.add_argument("--prev-kv", action="store_true")
    get = commands.choices["get"]
    get.add_argument("--limit", default="0")
    get.add_argument("--keys-only", action="store_true")
    get.add_argument("--count-only", action="store_true")
    get.add_argument("-w", "--write-out", "-o", dest="output", choices=("simple", "json"), default="simple")
    compact = commands.add_parser("compact", help="discard the history before a revision")
    compact.add_argument("words", nargs="*")
    snap = commands.add_parser("snapshot", help="snapshot save FILE | restore FILE --data-dir NEW | status FILE")
    snap.add_argument("action", nargs="?", choices=("save", "restore", "status"))
    snap.add_argument("words", nargs="*")
    snap.add_argument("--data-dir", dest="new_data_dir", help="restore: the new data directory")
    snap.add_argument("-w", "--write-out", "-o", dest="output", choices=("table", "simple", "json"),
                      default="table")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser().parse_args(argv)
        return _run(args)
    except UsageError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _run(args) -> int:
    if args.command is None:
        raise UsageError("say what to do: put, get, del, watch, compact or snapshot "
                         "(kubelab store --help lists them)")
    if args.command == "snapshot" and args.action in ("restore", "status"):
        return _snapshot_file(args)   # these read a file; no store to open
    store = _open(args)
    try:
        return COMMANDS[args.command](store, args)
    finally:
        store.close()


def _open(args):
    if args.endpoints:
        try:
            from .etcd import EtcdStore
        except ImportError:
            raise StoreError("--endpoints needs kubelab.store.etcd, which this kubelab lacks") from None
        return EtcdStore(args.endpoints)
    if not args.data_dir:
        raise UsageError("say where the store is: --data-dir DIR (a file store) or --endpoints URL (a real etcd)")
    data_dir = Path(args.data_dir)
    if args.command != "put" and not data_dir.is_dir():
        raise StoreError(f"no store at {data_dir}: no such directory (put creates one)")
    from .file import FileStore
    return FileStore(data_dir)


def _words(args, command: str, counts: tuple[int, ...], message: str) -> list[str]:
    if len(args.words) not in counts:
        raise UsageError(message)
    return args.words


def _number(text: str, what: str) -> int:
    try:
        number = int(text, 16) if what == "lease ID" else int(text)
    except ValueError:
        raise UsageError(f'bad {what} "{text}": want a whole number') from None
    if number < 0:
        raise UsageError(f'bad {what} "{text}": must not be negative')
    return number


# -- the commands -----------------------------------------------------------------------------
def put(store, args) -> int:
    key, value = _words(args, "put", (2,), "put command needs 2 arguments: KEY VALUE")
    response = store.put(key, value, lease=_number(args.lease, "lease ID"), prev_kv=args.prev_kv)
    print("OK")
    if response.prev_kv is not None:
        _print_kv(response.prev_kv)
    return 0


def get(store, args) -> int:
    words = _words(args, "get", (1, 2), "get command needs one argument as key and an optional "
                                        "argument as range_end")
    response = store.range(words[0], words[1] if len(words) > 1 else None, prefix=args.prefix,
                           revision=_number(args.rev, "revision"), limit=_number(args.limit, "limit"),
                           keys_only=args.keys_only, count_only=args.count_only)
    if args.output == "json":
        print(json.dumps(_omit_empty({
            "header": {"revision": response.revision},
            "kvs": [_kv_json(kv) for kv in response.kvs],
            "more": response.more, "count": response.count}), separators=(",", ":")))
    elif args.count_only:
        print(response.count)
    else:
        for kv in response.kvs:
            _print_kv(kv)
    return 0


def delete(store, args) -> int:
    words = _words(args, "del", (1, 2), "del command needs one argument as key and an optional "
                                        "argument as range_end")
    response = store.delete(words[0], words[1] if len(words) > 1 else None, prefix=args.prefix,
                            prev_kv=args.prev_kv)
    print(response.deleted)
    for kv in response.prev_kvs:
        _print_kv(kv)
    return 0


def watch(store, args) -> int:
    words = _words(args, "watch", (1, 2), "bad number of arguments")
    revision = _number(args.rev, "revision")
    if args.data_dir and not revision:
        raise UsageError("with --data-dir, watch needs --rev N: no other process can write while "
                         "this one holds the directory, so it prints the changes since N")

    def on_response(response) -> None:
        for event in response.events:
            print(event.type)
            if event.prev_kv is not None:
                _print_kv(event.prev_kv)
            _print_kv(event.kv)
        sys.stdout.flush()

    store.watch(words[0], on_response, range_end=words[1] if len(words) > 1 else None,
                prefix=args.prefix, start_revision=revision, prev_kv=args.prev_kv)
    store.sync_watchers()
    if args.endpoints:
        threading.Event().wait()  # the reader thread prints; Ctrl-C ends it (exit 130)
    return 0


def compact(store, args) -> int:
    words = _words(args, "compact", (1,), "compact command needs 1 argument")
    revision = _number(words[0], "revision")
    store.compact(revision)
    print(f"compacted revision {revision}")
    return 0


def snapshot_save(store, args) -> int:
    if args.action != "save":
        raise UsageError("snapshot needs a subcommand: save FILE, restore FILE --data-dir NEW or status FILE")
    path, = _words(args, "snapshot save", (1,), "snapshot save expects one argument")
    snapshot.save(store, Path(path))
    print(f"Snapshot saved at {path}")
    return 0


COMMANDS = {"put": put, "get": get, "del": delete, "watch": watch, "compact": compact,
            "snapshot": snapshot_save}


def _snapshot_file(args) -> int:
    path, = _words(args, f"snapshot {args.action}", (1,),
                   f"snapshot {args.action} requires exactly one argument")
    if args.action == "restore":
        target = args.new_data_dir or (args.data_dir if args.data_dir else None)
        if not target:
            raise UsageError("snapshot restore needs --data-dir NEW: the new data directory to create")
        status = snapshot.restore(Path(path), Path(target))
        print(f"restored snapshot {path} into {target} (revision {status.revision}, "
              f"{status.total_keys} keys)")
        return 0
    status = snapshot.status(Path(path))
    row = [status.hash, str(status.revision), str(status.total_keys), human_bytes(status.total_size)]
    if args.output == "json":
        print(json.dumps({"hash": int(status.hash, 16), "revision": status.revision,
                          "totalKey": status.total_keys, "totalSize": status.total_size},
                         separators=(",", ":")))
    elif args.output == "simple":
        print(", ".join(row))
    else:
        print(table(["HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"], [row]))
    return 0


# -- etcdctl's output shapes --------------------------------------------------------------------
def _print_kv(kv: KeyValue) -> None:
    print(kv.key)
    print(kv.value)


def _kv_json(kv: KeyValue) -> dict:
    return _omit_empty({"key": _b64(kv.key), "create_revision": kv.create_revision,
                        "mod_revision": kv.mod_revision, "version": kv.version,
                        "value": _b64(kv.value), "lease": kv.lease})


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _omit_empty(message: dict) -> dict:
    """Protobuf's JSON leaves out fields at their zero value; so does etcdctl -w json."""
    return {name: value for name, value in message.items() if value not in (0, "", [], False, None)}


def human_bytes(size: int) -> str:
    """Sizes as etcdctl prints them (go-humanize's Bytes: powers of 1000, "2.1 MB")."""
    if size < 10:
        return f"{size} B"
    exponent = min(int(math.floor(math.log(size, 1000))), 6)
    value = math.floor(size / 1000 ** exponent * 10 + 0.5) / 10
    unit = ["B", "kB", "MB", "GB", "TB", "PB", "EB"][exponent]
    return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """etcdctl's -w table: centred header, numbers to the right, text to the left."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"

    def line(cells: list[str], centred: bool = False) -> str:
        return "|" + "|".join(
            f" {cell.center(width) if centred else cell.rjust(width) if cell.isdigit() else cell.ljust(width)} "
            for cell, width in zip(cells, widths)) + "|"
    return "\n".join([rule, line(header, centred=True), rule, *(line(row) for row in rows), rule])


if __name__ == "__main__":
    sys.exit(main())
