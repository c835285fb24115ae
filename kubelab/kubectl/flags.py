"""Command-line flags the way kubectl (cobra + pflag) reads them.

    kubectl -n kube-system get pods -o=wide --show-labels -lapp=dns

Flags may come before or after the command and between arguments; a long flag takes its
value after `=` or as the next word; a short flag takes it glued (`-lapp=dns`), after `=`
or as the next word; `--` ends the flags. A bad flag is one line of error, worded as pflag
words it, never a usage dump.

Left out: pflag's combined short booleans with a value at the end (`-Ao wide`) only work for
the booleans; flag abbreviations and the many global flags (--context, --kubeconfig, ...)
the in-process kubectl has no use for.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import usage_error


@dataclass(frozen=True)
class Flag:
    name: str                # long name, without dashes
    short: str = ""          # one letter, or ""
    kind: str = "string"     # "string" | "bool" | "int" | "list" (repeatable)
    default: object = None
    no_value: str | None = None   # pflag's NoOptDefVal: the value of a bare `--validate`

    @property
    def label(self) -> str:
        """How pflag names the flag in errors: "-n, --namespace"."""
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"


NAMESPACE = Flag("namespace", "n", default="")
ALL_NAMESPACES = Flag("all-namespaces", "A", "bool", False)
SELECTOR = Flag("selector", "l", default="")
FIELD_SELECTOR = Flag("field-selector", default="")
OUTPUT = Flag("output", "o", default="")
FILENAME = Flag("filename", "f", "list", ())


def find_command(argv: list[str]) -> tuple[str, list[str]]:
    """The subcommand ("get") and every other word, skipping global flags before it."""
    for index, word in enumerate(argv):
        if word == "--":
            break
        if not word.startswith("-") or word == "-":
            previous = argv[index - 1] if index else ""
            if previous in ("-n", "--namespace"):
                continue   # the value of a global flag, not the command
            return word, argv[:index] + argv[index + 1:]
    return "", list(argv)


def parse(command: str, argv: list[str], flags: list[Flag]) -> tuple[dict, list[str]]:
    """(values by long name with dashes as underscores, positional arguments)."""
    by_long = {flag.name: flag for flag in flags}
    by_short = {flag.short: flag for flag in flags if flag.short}
    values = {flag.name.replace("-", "_"): flag.default for flag in flags}
    positionals: list[str] = []
    words = list(argv)
    while words:
        word = words.pop(0)
        if word == "--":
            positionals.extend(words)
            break
        if word.startswith("--"):
            name, has_value, value = word[2:].partition("=")
            flag = by_long.get(name)
            if flag is None:
                raise usage_error(command, f"unknown flag: --{name}")
            if not has_value and flag.no_value is not None:
                has_value, value = True, flag.no_value
            if not has_value and flag.kind != "bool":
                if not words:
                    raise usage_error(command, f"flag needs an argument: --{name}")
                value = words.pop(0)
            _store(command, values, flag, value if (has_value or flag.kind != "bool") else "true")
        elif word.startswith("-") and word != "-":
            _parse_shorts(command, word, words, by_short, values)
        else:
            positionals.append(word)
    return values, positionals


def _parse_shorts(command: str, word: str, words: list[str], by_short: dict, values: dict) -> None:
    letters = word[1:]
    while letters:
        letter, letters = letters[0], letters[1:]
        flag = by_short.get(letter)
        if flag is None:
            raise usage_error(command, f"unknown shorthand flag: '{letter}' in {word}")
        if flag.kind == "bool":
            if letters.startswith("="):
                _store(command, values, flag, letters[1:])
                return
            _store(command, values, flag, "true")
            continue
        if letters:
            _store(command, values, flag, letters[1:] if letters.startswith("=") else letters)
        elif words:
            _store(command, values, flag, words.pop(0))
        else:
            raise usage_error(command, f"flag needs an argument: '{letter}' in -{letter}")
        return


def _store(command: str, values: dict, flag: Flag, value: str) -> None:
    key = flag.name.replace("-", "_")
    if flag.kind == "bool":
        parsed = {"true": True, "1": True, "t": True, "T": True, "TRUE": True, "True": True,
                  "false": False, "0": False, "f": False, "F": False, "FALSE": False,
                  "False": False}.get(value)
        if parsed is None:
            raise usage_error(command, f'invalid argument "{value}" for "{flag.label}" flag: '
                                       f'strconv.ParseBool: parsing "{value}": invalid syntax')
        values[key] = parsed
    elif flag.kind == "int":
        try:
            values[key] = int(value)
        except ValueError:
            raise usage_error(command, f'invalid argument "{value}" for "{flag.label}" flag: '
                                       f'strconv.ParseInt: parsing "{value}": invalid syntax') from None
    elif flag.kind == "list":
        values[key] = tuple(values[key]) + tuple(part for part in value.split(",") if part)
    else:
        values[key] = value


_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(command: str, flag: str, value: str) -> float:
    """A Go duration flag ("1h", "5m30s", "0") in seconds, refused in pflag's words when malformed."""
    import re
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", value)
    if value == "0":
        return 0.0
    if not parts or "".join(number + unit for number, unit in parts) != value:
        raise usage_error(command, f'invalid argument "{value}" for "--{flag}" flag: time: invalid duration '
                                   f'"{value}"')
    return sum(float(number) * _UNITS[unit] for number, unit in parts)
