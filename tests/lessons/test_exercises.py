"""Exercises: untouched, each fails its check with a helpful message; solved, each passes.

The solutions pass nbval with their stored outputs (./run test); here we run the exercise
notebooks as a learner first opens them, and the checks against wrong answers.
"""
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from kubelab.checks import ExerciseWrong, check_add_replicas
from kubelab.store import Compare, Op

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


def test_every_exercise_notebook_has_its_solution_and_lesson():
    assert EXERCISES, "no exercise notebooks"
    for exercise in EXERCISES:
        assert (ROOT / "solutions" / exercise.name).exists()
        assert (ROOT / "notebooks" / exercise.name).exists()


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_an_untouched_exercise_fails_its_check_saying_what_to_do(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    message = str(failure.value)
    assert "ExerciseNotDone" in message and "is not solved yet" in message and "TODO(ex" in message


def _naive(store, key, how_many=1):
    kv = store.get(key)
    deployment = json.loads(kv.value)
    deployment["spec"]["replicas"] += how_many
    store.put(key, json.dumps(deployment))


def _gives_up(store, key, how_many=1):
    kv = store.get(key)
    deployment = json.loads(kv.value)
    deployment["spec"]["replicas"] += how_many
    store.txn([Compare(key, "mod", "=", kv.mod_revision)], [Op.put(key, json.dumps(deployment))])


def _retries(store, key, how_many=1):
    while True:
        kv = store.get(key)
        deployment = json.loads(kv.value)
        deployment["spec"]["replicas"] += how_many
        if store.txn([Compare(key, "mod", "=", kv.mod_revision)],
                     [Op.put(key, json.dumps(deployment))]).succeeded:
            return


def test_ex_1_1_a_plain_put_is_caught_as_a_lost_update():
    with pytest.raises(ExerciseWrong, match="lost update"):
        check_add_replicas(_naive)


def test_ex_1_1_a_compare_without_retry_is_told_to_loop():
    with pytest.raises(ExerciseWrong, match="retry"):
        check_add_replicas(_gives_up)


def test_ex_1_1_a_compare_and_swap_loop_passes():
    assert check_add_replicas(_retries).startswith("✓ ex 1.1")
