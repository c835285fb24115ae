"""The checks of exercises 6.1 and 7.1 refuse the plausible wrong answers, each with its hint."""
import pytest

from kubelab.checks import ExerciseNotDone, ExerciseWrong, check_eviction_prediction, check_pod_count_controller
from kubelab.client import ApiError, Controller


class Base(Controller):
    name = "pod-count-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.pods = factory.informer("pods")
        self.pods.add_handlers(on_add=lambda p: self.enqueue(p["metadata"]["namespace"]),
                               on_update=lambda o, n: self.enqueue(n["metadata"]["namespace"]),
                               on_delete=lambda p: self.enqueue(p["metadata"]["namespace"]))

    def write(self, namespace, count, create_only=False):
        try:
            config_map = self.client.get("configmaps", "pod-count", namespace)
        except ApiError:
            config_map = None
        if config_map is None or create_only:
            self.client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "pod-count"},
                                              "data": {"pods": str(count)}}, namespace)
        else:
            config_map["data"] = {"pods": str(count)}
            self.client.update("configmaps", config_map, namespace)


class Right(Base):
    def sync(self, namespace):
        self.write(namespace, len(self.pods.list(namespace)))


class WholeCluster(Base):
    def sync(self, namespace):
        self.write(namespace, len(self.pods.list()))


class OnlyUp(Base):
    """Counts pods as they are added, and forgets to count down."""

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.counts = {}
        self.pods.add_handlers(on_add=lambda p: self.counts.update(
            {p["metadata"]["namespace"]: self.counts.get(p["metadata"]["namespace"], 0) + 1}))

    def sync(self, namespace):
        self.write(namespace, self.counts.get(namespace, 0))


class CreateEveryTime(Base):
    def sync(self, namespace):
        self.write(namespace, len(self.pods.list(namespace)), create_only=True)


class NotDone(Base):
    def sync(self, namespace):
        raise NotImplementedError("TODO(ex 6.1) write sync")


def test_the_pod_count_check_accepts_a_right_controller():
    assert check_pod_count_controller(Right).startswith("✓ ex 6.1")


@pytest.mark.parametrize("wrong, hint", [(WholeCluster, "whole cluster"), (CreateEveryTime, "409 AlreadyExists"),
                                         (OnlyUp, "deleted pod is still counted")])
def test_the_pod_count_check_refuses_plausible_wrong_controllers(wrong, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_pod_count_controller(wrong)


def test_the_pod_count_check_says_not_done_for_the_gap():
    with pytest.raises(ExerciseNotDone, match=r"TODO\(ex 6.1\)"):
        check_pod_count_controller(NotDone)


@pytest.mark.parametrize("answer, hint", [(300, "toleration alone"), (340, "before v1.32"), (50, "NotReady"),
                                          (60, "NotReady"), (600, "too far off")])
def test_the_eviction_prediction_refuses_plausible_wrong_answers(answer, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_eviction_prediction(lambda: answer)


def test_the_eviction_prediction_accepts_an_answer_within_a_heartbeat():
    assert check_eviction_prediction(lambda: 355).startswith("✓ ex 7.1")
    with pytest.raises(ExerciseNotDone, match="not solved yet"):
        check_eviction_prediction(lambda: (_ for _ in ()).throw(NotImplementedError("TODO(ex 7.1)")))
