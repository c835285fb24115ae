"""notebooks/, exercises/, solutions/ and index.ipynb are exactly what tools/build_lessons.py makes
from lessons/*.py, and no lesson shows an exercise's answer.

The build is run here without a kernel (`expected`): every cell's kind, id and text must be
what the source makes, exercises/ must be byte-for-byte what the build writes (it is never
executed), and nothing may be there without a source. The outputs are checked by nbval
against these same stored notebooks (./run test), so together: source → notebook → outputs.
What makes a rebuild differ for no reason is checked too: ids, widget model ids, stream chunks.
"""
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "lessons").glob("*.py"))
FOLDERS = ("notebooks", "exercises", "solutions")


def _build_module():
    spec = importlib.util.spec_from_file_location("build_lessons", ROOT / "tools" / "build_lessons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()


def cells_of(nb) -> list[tuple[str, str, str]]:
    return [(cell.cell_type, cell.get("id", ""), cell.source) for cell in nb.cells]


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_each_notebook_holds_the_cells_its_source_makes(source):
    for where, made in build.expected(source).items():
        assert where.exists(), f"{where.relative_to(ROOT)} is missing: run python tools/build_lessons.py {source.stem[:2]}"
        stored = nbformat.read(where, as_version=4)
        assert cells_of(stored) == cells_of(made), (
            f"{where.relative_to(ROOT)} is not what lessons/{source.name} makes: "
            f"run python tools/build_lessons.py {source.stem[:2]}")
        if where.parent.name == "exercises":
            assert nbformat.writes(stored) == nbformat.writes(made)


def test_nothing_is_there_without_a_source():
    made = {where for source in SOURCES for where in build.expected(source)}
    stored = {path for folder in FOLDERS for path in (ROOT / folder).glob("*.ipynb")}
    assert stored <= made, f"notebooks without a lessons/*.py source: {sorted(p.name for p in stored - made)}"


def test_the_index_lists_every_lesson_and_exercise_in_order():
    stored = nbformat.read(ROOT / "index.ipynb", as_version=4)
    assert cells_of(stored) == cells_of(build.index())
    text = stored.cells[0].source
    links = re.findall(r"\((notebooks|exercises|solutions)/([^)]+)\)", text)
    assert [name for folder, name in links if folder == "notebooks"] == [s.stem + ".ipynb" for s in SOURCES]
    for folder, name in links:
        assert (ROOT / folder / name).exists(), f"index.ipynb links to a missing {folder}/{name}"


@pytest.mark.parametrize("path", sorted(p for f in FOLDERS for p in (ROOT / f).glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_rebuild_has_nothing_to_change_but_what_a_lesson_prints(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["language_info"] == {"name": "python"}     # no Python version
    for cell in nb["cells"]:
        assert "execution" not in cell.get("metadata", {})           # no timings
        outputs = cell.get("outputs", [])
        for before, after in zip(outputs, outputs[1:]):
            assert not (before["output_type"] == after["output_type"] == "stream"
                        and before["name"] == after["name"]), f"{cell['id']}: stream chunks not joined"
        for output in outputs:
            view = output.get("data", {}).get(build.WIDGET_VIEW)
            if view:
                ids = [build.hashlib.md5(f"{path.stem}/{n}".encode()).hexdigest() for n in range(500)]
                assert view["model_id"] in ids, f"{cell['id']}: a random widget id"


# -- answers only in solutions/ ------------------------------------------------------------
def answer_lines() -> dict[str, list[str]]:
    """Each exercise's answer, as its distinctive lines: long enough, and not also written in a
    lesson outside the gaps (`apiVersion: rbac.authorization.k8s.io/v1` is no answer)."""
    outside = "\n".join(build._GAP.sub("", source.read_text()) for source in SOURCES)
    answers: dict[str, list[str]] = {}
    for source in SOURCES:
        for match in build._GAP.finditer(source.read_text()):
            lines = [line.strip() for line in match.group("body").splitlines()]
            answers[match.group("id")] = [line for line in lines if len(line) >= 20 and not line.startswith("#")
                                          and line not in outside]
    return answers


def test_every_exercise_has_an_answer_to_look_for():
    assert all(answer_lines().values()) and len(answer_lines()) >= 3


def places_a_learner_reads_before_trying():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        yield path.relative_to(ROOT), "\n".join(
            [cell.source for cell in nb.cells] +
            [output.get("text", "") + json.dumps(output.get("data", {})) for cell in nb.cells
             for output in cell.get("outputs", [])])
    for path in sorted((ROOT / "kubelab").rglob("*.py")):
        yield path.relative_to(ROOT), path.read_text()


def test_no_lesson_exercise_or_package_docstring_shows_an_answer():
    answers = answer_lines()
    for where, text in places_a_learner_reads_before_trying():
        for exercise_id, lines in answers.items():
            shown = [line for line in lines if line in text]
            assert not shown, f"{where} shows the answer to {exercise_id}: {shown[:2]}"


def test_each_lesson_with_an_exercise_points_to_it():
    for source in SOURCES:
        cells = build.parse(source.read_text())
        if build.has_gaps(cells):
            lesson = nbformat.read(ROOT / "notebooks" / (source.stem + ".ipynb"), as_version=4)
            pointers = [cell.source for cell in lesson.cells if cell.source.startswith("**Your turn")]
            assert pointers and all(f"exercises/{source.stem}.ipynb" in p for p in pointers)
