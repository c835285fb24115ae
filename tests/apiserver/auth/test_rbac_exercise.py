"""The RBAC exercise's check: untouched it says so, wrong it says why, right it passes."""
import pytest

from kubelab.checks import ExerciseNotDone, ExerciseWrong, check_reader_policy

SOLUTION = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: default}
subjects:
- {kind: ServiceAccount, name: reader, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
"""


def test_the_solution_passes():
    assert check_reader_policy(lambda: SOLUTION).startswith("✓ ex 2.2")


def test_an_untouched_exercise_says_it_is_not_done():
    def reader_policy():
        raise NotImplementedError
    with pytest.raises(ExerciseNotDone):
        check_reader_policy(reader_policy)


def test_too_much_power_is_caught_with_a_reason():
    # The check names the over-broad field before trying the policy (checks/rbac.py, 16ddb8a).
    with pytest.raises(ExerciseWrong, match="grant more than reading pods"):
        check_reader_policy(lambda: SOLUTION.replace("verbs: [get, list, watch]", "verbs: ['*']"))
    with pytest.raises(ExerciseWrong, match="cannot list pods"):
        check_reader_policy(lambda: SOLUTION.replace("name: reader,", "name: someone-else,"))
    with pytest.raises(ExerciseWrong, match=r"apiGroups is \['apps'\]"):
        check_reader_policy(lambda: SOLUTION.replace('apiGroups: [""]', "apiGroups: [apps]"))
