"""Build the lesson notebooks from their sources, and store their outputs.

    python tools/build_lessons.py            # every lessons/*.py
    python tools/build_lessons.py 00         # lessons whose name starts with 00

A lesson's source is `lessons/NN-kebab-title.py` in the percent format Jupytext and VS Code
read: `# %% [markdown]` starts a prose cell (its lines start with "# "), `# %%` a code cell;
`# %% exercise-only` (or `# %% [markdown] exercise-only`) a cell that only the exercise and its
solution hold (the exercise's check, and anything that uses the learner's answer). From one source this writes
  notebooks/NN-title.ipynb   the lesson, executed, outputs stored (nbval checks them): each gap
                             open (`raise NotImplementedError("TODO(ex N.M): ...")`) and each run
                             of exercise-only cells replaced by a "your turn" pointer to
                             exercises/ — so the lesson never shows an answer;
and, when the source has exercise gaps (`# BEGIN SOLUTION ex N.M` ... `# END SOLUTION`),
  solutions/NN-title.ipynb   every gap filled, every cell, executed;
  exercises/NN-title.ipynb   every gap open, every cell, not executed (a learner fills it in);
and, always,
  index.ipynb                every lesson, exercise and solution in order (`./run lab` opens it).
A gap sits inside a function or class body, so the lesson still runs top to bottom.

Outputs are made by a real kernel on the virtual clock, so a rebuild gives the same outputs;
what a kernel would vary is made stable here: cell ids are cell-NN, widget model ids are
derived from the notebook's name and their order, consecutive stream chunks are joined, and
no execution timings or Python version are stored. tests/lessons/test_build.py checks that
notebooks/, exercises/, solutions/ and index.ipynb are what this script makes.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
EXERCISE_ONLY = "exercise-only"   # a code cell's kind when only exercises/ and solutions/ hold it


def parse(source: str) -> list[tuple[str, str]]:
    """Percent-format text -> [(kind, text)]; kind markdown or code, perhaps "exercise-only ..."."""
    cells: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            cells.append((f"{EXERCISE_ONLY} {kind}" if EXERCISE_ONLY in line else kind, []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, lines in cells:
        if kind.endswith("markdown"):
            lines = [l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines]
        text = "\n".join(lines).strip("\n")
        if text:
            out.append((kind, text))
    return out


_GAP = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?: (?P<id>ex [\d.]+))?\s*$(?P<body>.*?)^\s*# END SOLUTION\s*$",
                  re.M | re.S)


def has_gaps(cells) -> bool:
    return any(kind.endswith("code") and _GAP.search(text) for kind, text in cells)


def gap_ids(text: str) -> list[str]:
    return [match.group("id") for match in _GAP.finditer(text) if match.group("id")]


def solution(text: str) -> str:
    return _GAP.sub(lambda m: m.group("body").strip("\n"), text)


def exercise(text: str) -> str:
    def gap(match):
        label = f"TODO({match.group('id')})" if match.group("id") else "TODO"
        return f'{match.group("indent")}raise NotImplementedError("{label}: your code here")'
    return _GAP.sub(gap, text)


def your_turn(exercise_id: str, name: str) -> str:
    """The lesson's pointer where the exercise's check (and what uses the answer) would be."""
    number = exercise_id.replace("ex ", "") if exercise_id else ""
    return (f"**Your turn — exercise {number}.** Open [exercises/{name}](../exercises/{name}), fill in "
            "the gap above there, and run its check: it tries your code on several cases and says "
            f"what is wrong. The answer is in solutions/{name} — try first.")


def lesson_cells(cells, name: str) -> list[tuple[str, str]]:
    """The lesson's cells: gaps open, each run of exercise-only cells one "your turn" pointer."""
    out, last_id = [], ""
    for kind, text in cells:
        last_id = (gap_ids(text) or [last_id])[-1]
        if kind.startswith(EXERCISE_ONLY):
            if not (out and out[-1][1].startswith("**Your turn")):
                out.append(("markdown", your_turn(last_id, name)))
            continue
        out.append((kind, exercise(text) if kind == "code" else text))
    return out


def notebook(cells, transform) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    for index, (kind, text) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(text) if kind.endswith("markdown") else \
            nbformat.v4.new_code_cell(transform(text))
        cell["id"] = f"cell-{index:02d}"  # stable ids: rebuilding changes nothing it needn't
        nb.cells.append(cell)
    return nb


def expected(path: Path) -> dict[Path, nbformat.NotebookNode]:
    """What a build writes for one source, before execution: {where: notebook}."""
    cells = parse(path.read_text())
    name = path.stem + ".ipynb"
    made = {ROOT / "notebooks" / name: notebook(lesson_cells(cells, name), lambda text: text)}
    if has_gaps(cells):
        made[ROOT / "solutions" / name] = notebook(cells, solution)
        made[ROOT / "exercises" / name] = notebook(cells, exercise)
    return made


def stabilise(nb, name: str) -> None:
    """Make what a kernel varies stable: joined stream chunks, widget ids from name and order,
    no execution timings, no Python version (the kernel fills language_info in)."""
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)  # wall-clock timings: not reproducible
        outputs = []
        for output in cell.get("outputs", []):
            if outputs and output.get("output_type") == "stream" == outputs[-1].get("output_type") \
                    and output.get("name") == outputs[-1].get("name"):
                outputs[-1]["text"] += output["text"]
            else:
                outputs.append(output)
        if "outputs" in cell:
            cell["outputs"] = outputs
    found = [output["data"][WIDGET_VIEW]["model_id"] for cell in nb.cells for output in cell.get("outputs", [])
             if WIDGET_VIEW in output.get("data", {})]
    found += list(nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}))
    ids: dict[str, str] = {}
    for model_id in found:
        ids.setdefault(model_id, hashlib.md5(f"{name}/{len(ids)}".encode()).hexdigest())
    text = json.dumps(nb)
    for old, new in ids.items():
        text = text.replace(old, new)
    nb.clear()
    nb.update(nbformat.from_dict(json.loads(text)))


def execute(nb, workdir: Path, name: str) -> None:
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    stabilise(nb, name)


def index() -> nbformat.NotebookNode:
    """index.ipynb: every lesson, then its exercise and solution, in order."""
    lines = ["# kubelab — lessons and exercises", "",
             "Work through the lessons in order. Where a lesson says **Your turn**, open its exercise, "
             "fill in the gaps and run the checks; the solutions are there for after you have tried.", ""]
    for source in sorted((ROOT / "lessons").glob("*.py")):
        name, cells = source.stem + ".ipynb", parse(source.read_text())
        title = cells[0][1].splitlines()[0].lstrip("# ").strip()
        line = f"- [{title}](notebooks/{name})"
        if has_gaps(cells):
            exercises = ", ".join(dict.fromkeys(i for _, text in cells for i in gap_ids(text)))
            line += f" — {exercises}: [exercises](exercises/{name}) · [solutions](solutions/{name})"
        lines.append(line)
    return notebook([("markdown", "\n".join(lines))], lambda text: text)


def build(path: Path) -> list[Path]:
    written = []
    for where, nb in expected(path).items():
        if where.parent.name != "exercises":
            execute(nb, where.parent, path.stem)
        nbformat.write(nb, where)
        written.append(where)
    nbformat.write(index(), ROOT / "index.ipynb")
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
