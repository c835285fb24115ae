"""Lesson 04's checks refuse plausible wrong answers, each with its own hint."""
import pytest

from kubelab.checks import ExerciseNotDone, ExerciseWrong, check_least_pods, check_web_placement
from kubelab.scheduler.framework import FilterPlugin, ScorePlugin, default_normalize_score

WEB = {"matchLabels": {"app": "web"}}
ANTI = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": WEB, "topologyKey": "kubernetes.io/hostname"}]}}
SPREAD = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
           "labelSelector": WEB}]


class NotReversed(ScorePlugin):
    name = "LeastPods"

    def score(self, state, pod, node_info):
        return len(node_info.pods)

    def normalize_score(self, state, pod, scores):
        return default_normalize_score(scores)


class Unfinished(ScorePlugin):
    name = "LeastPods"

    def score(self, state, pod, node_info):
        raise NotImplementedError("TODO(ex 4.1) write score")


class AFilter(FilterPlugin):
    name = "LeastPods"


def test_a_score_plugin_that_prefers_busy_nodes_is_told_to_reverse_the_normalization():
    with pytest.raises(ExerciseWrong, match="reverse=True"):
        check_least_pods(NotReversed)


def test_an_untouched_score_plugin_is_not_done_and_a_filter_is_the_wrong_kind():
    with pytest.raises(ExerciseNotDone, match=r"is not solved yet \(TODO\(ex 4.1\)"):
        check_least_pods(Unfinished)
    with pytest.raises(ExerciseWrong, match="extends ScorePlugin"):
        check_least_pods(AFilter)


@pytest.mark.parametrize("rules, hint", [
    ({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": WEB, "topologyKey": "kubernetes.io/hostname"}}]}},
      "topologySpreadConstraints": SPREAD}, "must be \\*required\\*"),
    ({"topologySpreadConstraints": SPREAD}, "required podAntiAffinity"),
    ({"affinity": ANTI}, "by luck of scoring"),
])
def test_plausible_wrong_placement_rules_are_refused_with_a_hint(rules, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_web_placement(lambda: rules)


class Crashing(ScorePlugin):
    name = "LeastPods"

    def score(self, state, pod, node_info):
        return node_info.pod_count  # no such attribute


def test_a_crashing_score_plugin_gets_a_one_line_hint_naming_the_case():
    with pytest.raises(ExerciseWrong, match="LeastPods.score crashed on a node holding 2 pods: AttributeError"):
        check_least_pods(Crashing)
