"""Checks for lesson 02 (the API server): admission.

ex 2.1 — your own admission plugin. The learner writes `RequireTeamLabel`, a *validating*
plugin that refuses to create a Pod without a `team` label ("every pod needs a team label").
The check enables it on a fresh cluster and tells the story three ways: a bare pod is
refused with 403 in upstream's shape; a labelled one is admitted; and a Deployment whose
template lacks the label never gets a pod — the replicaset controller's creates are refused
too, because admission guards the API, whoever calls it.
"""
from __future__ import annotations

from ..apiserver.admission import AdmissionPlugin
from ..client import ApiError
from .errors import ExerciseNotDone, ExerciseWrong


def _pod(name: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


def check_require_team_label(plugin_class) -> str:
    """Enable the learner's plugin and check what it refuses and what it lets through."""
    from ..cluster import Cluster  # a layer above the checks' usual reach, as lessons use it

    if not (isinstance(plugin_class, type) and issubclass(plugin_class, AdmissionPlugin)):
        raise ExerciseWrong("RequireTeamLabel must be a class that extends AdmissionPlugin.")
    plugin = plugin_class()
    cluster = Cluster(nodes=1, seed=0)
    cluster.apiserver.admission.add(plugin)
    try:
        cluster.client.create("pods", _pod("bare", {"app": "web"}))
    except NotImplementedError as gap:
        raise ExerciseNotDone(f"ex 2.1 is not solved yet ({gap}): write RequireTeamLabel.validate — "
                              "if the pod has no 'team' label, call attributes.forbid(...).") from None
    except ApiError as error:
        if error.code != 403 or "team" not in error.message:
            raise ExerciseWrong(f"a pod without a team label should be refused with 403 and a message "
                                f"about the team label; got {error.code}: {error.message}") from None
    else:
        raise ExerciseWrong("a pod without a team label was admitted: check `operations` (\"CREATE\"), "
                            "`resources` ((\"pods\",)) and that validate() calls attributes.forbid(...).")
    cluster.client.create("pods", _pod("labelled", {"app": "web", "team": "blue"}))
    cluster.client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": "settings"}, "data": {"a": "b"}})
    return (f"✓ ex 2.1: {plugin.name} refuses pods without a team label (403) and admits the rest.")
