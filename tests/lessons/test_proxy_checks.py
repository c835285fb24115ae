"""The check of exercise 8.1 accepts kube-proxy's probabilities and refuses the plausible wrong
answers, each with its hint."""
import pytest

from kubelab.checks import ExerciseNotDone, ExerciseWrong, check_probabilities


def right(n):
    return [1 / (n - i) for i in range(n - 1)]


def test_the_probability_check_accepts_one_over_what_is_left():
    assert check_probabilities(right).startswith("✓ ex 8.1")


@pytest.mark.parametrize("wrong, hint", [
    (lambda n: [1 / n] * (n - 1), "only sees the connections the rules"),
    (lambda n: [1 / (n - i) for i in range(n)], "takes every connection the others left"),
    (lambda n: [1 / (i + 2) for i in range(n - 1)], "only sees the connections the rules"),
    (lambda n: [100 / (n - i) for i in range(n - 1)], "not a percentage"),
    (lambda n: "0.5", "return a list of numbers|not a percentage|values"),
])
def test_the_probability_check_refuses_plausible_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_probabilities(wrong)


def test_the_probability_check_says_not_done_for_the_gap():
    def gap(n):
        raise NotImplementedError("TODO(ex 8.1)")
    with pytest.raises(ExerciseNotDone, match=r"TODO\(ex 8.1\)"):
        check_probabilities(gap)
