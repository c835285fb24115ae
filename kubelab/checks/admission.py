"""Checks for lesson 02 (the API server): admission.

ex 2.1 — your own admission plugin. The learner writes `RequireTeamLabel`, a *validating*
plugin that refuses to create a Pod without a `team` label ("every pod needs a team label").
The check enables it on a fresh cluster and tries it on several pods: without the label
(with other labels, with no labels at all — the empty case, where `["labels"]` would crash —
and with a near-miss label) each must be refused with 403 and the message; a labelled pod
(even with an empty value), a ConfigMap, and an update of a pod made before the plugin must
all pass: a plugin that refuses more than asked is wrong too.
"""
from __future__ import annotations

from ..apiserver.admission import AdmissionPlugin
from ..client import ApiError
from .errors import ExerciseWrong
from .runner import attempt


TODO = "write RequireTeamLabel.validate — if the pod has no 'team' label, call attributes.forbid(...)."


def _pod(name: str, labels: dict | None) -> dict:
    metadata = {"name": name} if labels is None else {"name": name, "labels": labels}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


def _create(cluster, plugin, resource: str, obj: dict, case: str):
    """Create through the API with the learner's plugin on; the ApiError if refused, else None."""
    def create():
        try:
            cluster.client.create(resource, obj)
        except ApiError as error:
            return error
        return None
    return attempt(create, exercise="ex 2.1", case=case, todo=TODO, who=f"your {plugin.name}")


def check_require_team_label(plugin_class) -> str:
    """Enable the learner's plugin and check what it refuses and what it lets through."""
    from ..cluster import Cluster  # a layer above the checks' usual reach, as lessons use it

    if not (isinstance(plugin_class, type) and issubclass(plugin_class, AdmissionPlugin)):
        raise ExerciseWrong("RequireTeamLabel must be a class that extends AdmissionPlugin.")
    plugin = attempt(plugin_class, exercise="ex 2.1", case="making the plugin", todo=TODO)
    cluster = Cluster(nodes=1, seed=0)
    cluster.client.create("pods", _pod("before", {"app": "web"}))   # admitted before the plugin was on
    cluster.apiserver.admission.add(plugin)
    for case, labels in (("a pod labelled app=web but no team", {"app": "web"}),
                         ("a pod with no labels at all", None),
                         ("a pod labelled tea=blue (not team)", {"tea": "blue"})):
        refused = _create(cluster, plugin, "pods", _pod("bare", labels), case)
        if refused is None:
            raise ExerciseWrong(f"{case} was admitted: check `operations` (\"CREATE\"), `resources` "
                                "((\"pods\",)) and that validate() calls attributes.forbid(...) when the "
                                "team label is missing.")
        if refused.code != 403 or "every pod needs a team label" not in refused.message:
            raise ExerciseWrong(f"{case} should be refused with 403 and the message 'every pod needs a team "
                                f"label'; got {refused.code}: {refused.message}")
    for case, resource, obj in (
            ("a pod labelled team=blue", "pods", _pod("labelled", {"app": "web", "team": "blue"})),
            ("a pod labelled team= (an empty value is still a label)", "pods", _pod("empty-team", {"team": ""})),
            ("a ConfigMap (not a pod)", "configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "settings"}, "data": {"a": "b"}})):
        refused = _create(cluster, plugin, resource, obj, case)
        if refused is not None:
            raise ExerciseWrong(f"{case} was refused ({refused.code}: {refused.message}): the plugin must "
                                "refuse only pods without a team label — nothing more.")
    def update():
        try:
            cluster.client.patch("pods", "before", {"metadata": {"annotations": {"note": "hi"}}})
        except ApiError as error:
            return error
        return None
    refused = attempt(update, exercise="ex 2.1", case="an update of a pod made before the plugin", todo=TODO,
                      who=f"your {plugin.name}")
    if refused is not None:
        raise ExerciseWrong(f"updating a pod that existed before the plugin was refused ({refused.message}): "
                            "the rule is about creating pods — operations = (\"CREATE\",).")
    return (f"✓ ex 2.1: {plugin.name} refuses pods without a team label (403), "
            "and admits labelled pods, other kinds and updates.")
