"""Build the lesson notebooks from their sources, and store their outputs.

    python tools/build_lessons.py            # every lessons/*.py
    python tools/build_lessons.py 00         # lessons whose name starts with 00

A lesson's source is `lessons/NN-kebab-title.py` in the percent format Jupytext and VS Code
read: `# %% [markdown]` starts a prose cell (its lines start with "# "), `# %%` a code cell.
From one source this writes
  notebooks/NN-title.ipynb   the lesson, executed, outputs stored (nbval checks them);
and, when the source has exercise gaps (`# BEGIN SOLUTION` ... `# END SOLUTION`),
  solutions/NN-title.ipynb   the same, executed;
  exercises/NN-title.ipynb   the gaps replaced by `raise NotImplementedError("TODO(ex N.M) ...")`,
                             not executed (a learner fills it in).
The exercise id comes from the `# BEGIN SOLUTION ex N.M` line.

Outputs are made by a real kernel on the virtual clock, so a rebuild gives the same outputs.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def parse(source: str) -> list[tuple[str, str]]:
    """Percent-format text -> [(cell_type, text)]."""
    cells: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines]
        text = "\n".join(lines).strip("\n")
        if text:
            out.append((kind, text))
    return out


_GAP = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?: (?P<id>ex [\d.]+))?\s*$(?P<body>.*?)^\s*# END SOLUTION\s*$",
                  re.M | re.S)


def has_gaps(cells) -> bool:
    return any(kind == "code" and _GAP.search(text) for kind, text in cells)


def solution(text: str) -> str:
    return _GAP.sub(lambda m: m.group("body").strip("\n"), text)


def exercise(text: str) -> str:
    def gap(match):
        label = f"TODO({match.group('id')})" if match.group("id") else "TODO"
        return f'{match.group("indent")}raise NotImplementedError("{label}: your code here")'
    return _GAP.sub(gap, text)


def notebook(cells, transform) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    for index, (kind, text) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "markdown" else \
            nbformat.v4.new_code_cell(transform(text))
        cell["id"] = f"cell-{index:02d}"  # stable ids: rebuilding changes nothing it needn't
        nb.cells.append(cell)
    return nb


def execute(nb, workdir: Path) -> None:
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)  # wall-clock timings: not reproducible


def build(path: Path) -> list[Path]:
    cells = parse(path.read_text())
    name = path.stem + ".ipynb"
    written = []
    lesson = notebook(cells, solution)
    execute(lesson, ROOT / "notebooks")
    written.append(ROOT / "notebooks" / name)
    nbformat.write(lesson, written[-1])
    if has_gaps(cells):
        solved = notebook(cells, solution)
        execute(solved, ROOT / "solutions")
        written.append(ROOT / "solutions" / name)
        nbformat.write(solved, written[-1])
        written.append(ROOT / "exercises" / name)
        nbformat.write(notebook(cells, exercise), written[-1])
    return written


def main(argv: list[str]) -> int:
    sources = sorted((ROOT / "lessons").glob("*.py"))
    if argv:
        sources = [s for s in sources if any(s.name.startswith(prefix) for prefix in argv)]
    for source in sources:
        for written in build(source):
            print(f"wrote {written.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
