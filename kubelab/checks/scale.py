"""Checks for lesson 11 (scale).

ex 11.1 — how many nodes is enough? The learner writes `nodes_to_find(all_nodes)`: how many
feasible nodes the scheduler looks for before it stops filtering, with percentageOfNodesToScore
left at its default (0: adaptive). Upstream's numFeasibleNodesToFind: a cluster of fewer than
100 nodes is searched whole; otherwise the percentage is 50 − all_nodes / 125 (integer
division, as Go's ints divide), never below 5, and the answer all_nodes × percentage / 100,
never below 100 nodes. The check compares with kubelab's scheduler (which is upstream's code)
on sizes from 1 to 15,000 and names the first size that differs, with a hint for each
plausible wrong answer: a small cluster not searched whole, no 100-node floor, no 5 % floor,
a fractional percentage, the percentage returned instead of a number of nodes.
"""
from __future__ import annotations

from .errors import ExerciseWrong
from .runner import attempt

TODO_111 = ("write nodes_to_find(all_nodes): how many feasible nodes the scheduler looks for with "
            "percentageOfNodesToScore at its default (lesson 11 §4 says how).")
SIZES = (1, 3, 50, 99, 150, 100, 101, 199,  # 150 first: its wrong answers are told apart
         200, 500, 1000, 2100, 3000, 5000, 5625, 6000, 10000, 15000)


def _hint(all_nodes: int, got, want: int) -> str:
    """Why `got` is not `want` for a cluster of `all_nodes`, in the lesson's words."""
    percentage = max(5, 50 - all_nodes // 125)   # the adaptive percentage
    if all_nodes < 100:
        return f"a cluster of fewer than 100 nodes is searched whole: all {all_nodes} of them"
    if got == percentage != all_nodes * percentage // 100:
        return "that is the percentage; return a number of nodes (all_nodes × percentage / 100)"
    if got == all_nodes * percentage // 100 and got < 100:
        return "never fewer than 100 nodes: a percentage of a small cluster would be too few to compare"
    if got < 100:
        return "never fewer than 100 nodes: a percentage of a small cluster would be too few to compare"
    if 50 - all_nodes // 125 < 5 and got < want:
        return "the percentage never goes below 5 % (upstream's minFeasibleNodesPercentageToFind)"
    return ("the percentage is 50 − all_nodes // 125 in whole numbers (Go divides ints), and the "
            "answer all_nodes × percentage // 100")


def check_nodes_to_find(nodes_to_find) -> str:
    """Compare the learner's nodes_to_find with the scheduler's on clusters of 1 to 15,000 nodes."""
    from ..scheduler.schedule_one import num_feasible_nodes_to_find

    for all_nodes in SIZES:
        got = attempt(nodes_to_find, all_nodes, exercise="ex 11.1", case=f"a cluster of {all_nodes:,} nodes",
                      todo=TODO_111)
        if isinstance(got, bool) or not isinstance(got, (int, float)) or got != int(got):
            raise ExerciseWrong(f"nodes_to_find({all_nodes:,}) returned {got!r}: return a whole number of nodes.")
        want = num_feasible_nodes_to_find(0, all_nodes)
        if got != want:
            raise ExerciseWrong(f"with {all_nodes:,} nodes the scheduler looks for {want:,} feasible nodes, "
                                f"not {got:,}: {_hint(all_nodes, got, want)}.")
    return ("✓ ex 11.1: the scheduler's own numbers, from 1 to 15,000 nodes — at 5,000 it filters until "
            "500 nodes fit, a tenth of the cluster.")
