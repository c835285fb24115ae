"""The check of exercise 5.1 accepts a probe that fixes the rollout and refuses the plausible
wrong answers, each with its hint."""
import pytest

from kubelab.checks import ExerciseNotDone, ExerciseWrong, check_shop_probe


def right():
    return {"readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 2}}


def tcp_readiness():
    return {"readinessProbe": {"tcpSocket": {"port": 8080}}}


def test_the_probe_check_accepts_a_readiness_probe_on_the_app_s_port():
    assert check_shop_probe(right).startswith("✓ ex 5.1")
    assert check_shop_probe(tcp_readiness).startswith("✓ ex 5.1")


@pytest.mark.parametrize("fields, hint", [
    ({}, "ready as soon as their container ran"),
    ({"livenessProbe": {"httpGet": {"path": "/", "port": 8080}}}, "livenessProbe only restarts"),
    ({"readinessProbe": {"httpGet": {"path": "/", "port": 80}}}, "listens on port 8080"),
    ({"readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}}}, "no pod ever became Ready"),
    ({"httpGet": {"path": "/", "port": 8080}}, "wrap it in the probe"),
    ({"readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
      "livenessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 2}}, "kills the app before"),
])
def test_the_probe_check_refuses_plausible_wrong_answers(fields, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_shop_probe(lambda: fields)


def test_the_probe_check_says_not_done_for_the_gap():
    def gap():
        raise NotImplementedError("TODO(ex 5.1)")
    with pytest.raises(ExerciseNotDone, match=r"TODO\(ex 5.1\)"):
        check_shop_probe(gap)
