"""Checks for the lessons' exercises: each runs a learner's code in a small story and says,
in words, what went wrong. One file per topic; `check_<exercise>` per exercise."""
from .admission import check_require_team_label
from .controllers import check_eviction_prediction, check_pod_count_controller
from .kubelet import check_shop_probe
from .proxy import check_probabilities
from .errors import ExerciseNotDone, ExerciseWrong
from .rbac import check_reader_policy
from .scale import check_nodes_to_find
from .scheduling import check_least_pods, check_web_placement
from .store import check_add_replicas

__all__ = ["ExerciseNotDone", "ExerciseWrong", "check_add_replicas", "check_eviction_prediction",
           "check_least_pods", "check_nodes_to_find", "check_probabilities", "check_pod_count_controller", "check_reader_policy",
           "check_require_team_label", "check_shop_probe", "check_web_placement"]
