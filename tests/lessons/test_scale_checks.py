"""The check of exercise 11.1 accepts upstream's numFeasibleNodesToFind and refuses the plausible
wrong answers, each with its hint."""
import pytest

from kubelab.checks import ExerciseNotDone, ExerciseWrong, check_nodes_to_find


def right(all_nodes):
    if all_nodes < 100:
        return all_nodes
    percentage = max(50 - all_nodes // 125, 5)
    return max(all_nodes * percentage // 100, 100)


def no_small_cluster_rule(all_nodes):
    return max(all_nodes * max(50 - all_nodes // 125, 5) // 100, 100)


def no_hundred_floor(all_nodes):
    return all_nodes if all_nodes < 100 else all_nodes * max(50 - all_nodes // 125, 5) // 100


def no_five_percent_floor(all_nodes):
    return all_nodes if all_nodes < 100 else max(all_nodes * (50 - all_nodes // 125) // 100, 100)


def fractional_percentage(all_nodes):
    return all_nodes if all_nodes < 100 else max(int(all_nodes * max(50 - all_nodes / 125, 5) / 100), 100)


def the_percentage(all_nodes):
    return all_nodes if all_nodes < 100 else max(50 - all_nodes // 125, 5)


def a_fraction(all_nodes):
    return right(all_nodes) / 1.5


def test_the_nodes_to_find_check_accepts_upstreams_formula():
    assert check_nodes_to_find(right).startswith("✓ ex 11.1")


@pytest.mark.parametrize("wrong, hint", [
    (no_small_cluster_rule, "fewer than 100 nodes is searched whole"),
    (no_hundred_floor, "never fewer than 100 nodes"),
    (no_five_percent_floor, "never goes below 5 %"),
    (fractional_percentage, "whole numbers"),
    (the_percentage, "that is the percentage"),
    (a_fraction, "whole number of nodes"),
])
def test_the_nodes_to_find_check_refuses_plausible_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_nodes_to_find(wrong)


def test_the_nodes_to_find_check_says_not_done_for_the_gap():
    def gap(all_nodes):
        raise NotImplementedError("TODO(ex 11.1): your code here")
    with pytest.raises(ExerciseNotDone, match=r"TODO\(ex 11.1\)"):
        check_nodes_to_find(gap)
