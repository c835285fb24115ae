"""What a failed kubectl command prints on stderr, worded as kubectl words it.

The API server refuses with a `Status` (code, reason, message, details); kubectl turns it
into one line: `Error from server (NotFound): pods "x" not found`. A 422 Invalid with causes
becomes `The Deployment "x" is invalid: spec.replicas: ...` instead, one cause per line when
there are several. Errors found before any request (an unknown resource type, a missing file) start with
`error: `; a flag the command line parser rejects starts with cobra's `Error: `. These rules are kubectl's checkErr / StandardErrorMessage.

Invariant: every failure leaves `run` as a `KubectlError` whose text is exactly what kubectl
would print on stderr; nothing ever escapes as a Python traceback.
"""
from __future__ import annotations

from kubelab.client import ApiError


class KubectlError(Exception):
    """A command that failed: `str()` is kubectl's stderr; `printed` is what it showed before failing."""

    def __init__(self, stderr: str, printed: str = ""):
        self.stderr = stderr if stderr.endswith("\n") else stderr + "\n"
        self.printed = printed
        super().__init__(self.stderr)

    @property
    def text(self) -> str:
        """Everything a terminal would show: what was printed, then the error."""
        return self.printed + self.stderr

    def __str__(self) -> str:
        return self.stderr


def api_error_message(error: ApiError, verb: str = "", source: str = "") -> str:
    """One ApiError as kubectl prints it (no trailing newline).

    `verb` and `source` name the file an object came from ("creating", "f.yaml"), which kubectl
    puts in front of the server's message: `error when creating "f.yaml": ...`.
    """
    status = error.status if isinstance(error.status, dict) else {}
    reason, message = error.reason, error.message
    details = status.get("details")
    if reason == "Invalid" and details is not None:
        return _invalid_message(details, message)
    if source:
        message = f'error when {verb} "{source}": {message}'
    if reason == "Unauthorized":
        return f"error: You must be logged in to the server ({message})"
    if reason:
        return f"Error from server ({reason}): {message}"
    return f"Error from server: {message}"


def _invalid_message(details: dict, message: str) -> str:
    text = "The request is invalid"
    kind, name = details.get("kind", ""), details.get("name", "")
    causes = details.get("causes") or []
    if kind or name:
        text = f'The {kind} "{name}" is invalid'
    elif message and not causes:
        text += ": " + message
    lines: list[str] = []
    for cause in causes:
        line = f"{cause.get('field', '')}: {cause.get('message', '')}"
        if line not in lines:
            lines.append(line)
    if len(lines) == 1:
        return f"{text}: {lines[0]}"
    if len(lines) > 1:
        # kubectl's MultilineError: the prefix alone on its line (trailing space kept), then bullets.
        return f"{text}: \n" + "\n".join(f"* {line}" for line in lines)
    return text


def aggregate(messages: list[str], printed: str = "") -> KubectlError:
    """Several failures as kubectl prints them: one per line; only a lone error keeps `error: `."""
    if len(messages) == 1:
        return KubectlError(messages[0], printed)
    return KubectlError("\n".join(m.removeprefix("error: ") for m in messages), printed)


def usage_error(command: str, message: str) -> KubectlError:
    """A bad flag: cobra's `Error: ` line (capital E, unlike kubectl's own), then where to read the usage."""
    return KubectlError(f"Error: {message}\nSee 'kubectl {command} --help' for usage.")
