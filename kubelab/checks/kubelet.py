"""Checks for lesson 05 (the kubelet and the life of a pod).

ex 5.1 — a probe that fixes a broken rollout. The shop's container opens its port 20 s after
it starts. The learner returns the container fields to add (`shop_probe()`); the check deploys
three replicas with them behind a Service, waits for them, rolls out v2 and sends one request
a second through the Service while the rollout runs. Right: the rollout completes and no
request fails, which needs a probe that keeps a pod out of the Service until its port answers
(a readinessProbe on 8080, httpGet or tcpSocket; a startupProbe gates readiness too). The
plausible wrong answers each get their hint:

    no probe                   requests refused while new pods warm up
    livenessProbe              restarts, never gates traffic: requests refused
    the wrong port (80)        never ready: the rollout never starts serving
    an exec probe on a file    never ready (nothing writes the file)
    a probe in the wrong place the fields are not a probe of the container
"""
from __future__ import annotations

from .errors import ExerciseWrong
from .runner import attempt

TODO_51 = ("return the container fields that keep a new pod out of the Service until its port 8080 answers, "
           'e.g. {"readinessProbe": {...}}.')
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")
WARM_UP_SECONDS = 20


def shop_deployment(version: str, fields: dict) -> dict:
    """The exercise's Deployment: python's http.server on 8080, 20 s after the container starts."""
    container = {"name": "shop", "image": "python:3.12",
                 "command": ["sh", "-c", f"sleep {WARM_UP_SECONDS}; python -m http.server 8080"],
                 "env": [{"name": "VERSION", "value": version}], "ports": [{"containerPort": 8080}], **fields}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "shop"}},
                     "template": {"metadata": {"labels": {"app": "shop"}}, "spec": {"containers": [container]}}}}


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"},
           "spec": {"selector": {"app": "shop"}, "ports": [{"port": 80, "targetPort": 8080}]}}


def rollout_story(fields: dict) -> dict:
    """Deploy v1 with `fields`, roll out v2, one request a second: what happened."""
    from ..client import ApiError
    from ..cluster import Cluster
    cluster = Cluster(nodes=2, seed=0)
    try:
        cluster.apply([shop_deployment("1", fields), SERVICE])
    except ApiError as refusal:
        raise ExerciseWrong(f"the API server refused the Deployment with your fields: {refusal}") from None
    cluster.run(90)
    v1_ready = cluster.get("deployments", "shop").get("status", {}).get("readyReplicas", 0)
    cluster.apply(shop_deployment("2", fields))
    answers: dict[str, int] = {}
    for _ in range(120):
        cluster.run(1)
        outcome = cluster.request("shop")
        what = "ok" if "answer" in outcome else outcome["error"].split(" (")[0]
        answers[what] = answers.get(what, 0) + 1
    status = cluster.get("deployments", "shop").get("status", {})
    restarts = sum(c.get("restartCount", 0) for pod in cluster.list("pods", "default", "app=shop")
                   for c in (pod.get("status") or {}).get("containerStatuses") or [])
    return {"v1_ready": v1_ready, "answers": answers, "updated": status.get("updatedReplicas", 0),
            "available": status.get("availableReplicas", 0), "restarts": restarts}


def check_shop_probe(shop_probe) -> str:
    """Roll the shop out with the learner's fields and count the refused requests."""
    fields = attempt(shop_probe, exercise="ex 5.1", case="the shop's container", todo=TODO_51)
    if not isinstance(fields, dict):
        raise ExerciseWrong(f"shop_probe() returned {type(fields).__name__}; return a dict of container "
                            'fields, e.g. {"readinessProbe": {"httpGet": {...}}}.')
    if not any(name in fields for name in PROBES):
        if any(handler in fields for handler in ("httpGet", "tcpSocket", "exec", "grpc")):
            raise ExerciseWrong(f"{sorted(fields)} is a probe's handler, not a container field: wrap it in the "
                                'probe it belongs to, {"readinessProbe": {...}}.')
        if fields:
            raise ExerciseWrong(f"{sorted(fields)}: none of these is a probe (readinessProbe, livenessProbe, "
                                "startupProbe); the shop needs the kubelet to check it before traffic comes.")
    story = rollout_story(fields)
    refused = sum(count for what, count in story["answers"].items() if what != "ok")
    if story["v1_ready"] == 0 or story["answers"].get("ok", 0) == 0:
        raise ExerciseWrong(f"no pod ever became Ready, so the Service had no endpoints ({refused} of 120 "
                            "requests failed). Does your probe check what the app really offers? It listens on "
                            "port 8080, and nothing writes files for an exec probe to find.")
    if refused and "readinessProbe" not in fields and "livenessProbe" in fields:
        raise ExerciseWrong(f"{refused} of 120 requests were refused during the rollout: a livenessProbe only "
                            "restarts a container that fails it; it never keeps traffic away. Which probe "
                            "decides whether a pod is among a Service's endpoints?")
    if story["restarts"]:
        raise ExerciseWrong(f"containers were restarted {story['restarts']} time(s) ({refused} of 120 requests "
                            "refused): a liveness probe that fails during the 20 s warm-up kills the app before "
                            "it serves. Give it an initialDelaySeconds past the warm-up, or a startupProbe.")
    if refused:
        raise ExerciseWrong(f"{refused} of 120 requests were refused during the rollout: new pods counted as "
                            "ready as soon as their container ran, 20 s before the port opened. Add the probe "
                            "that keeps a pod out of the Service until it answers.")
    if story["updated"] != 3 or story["available"] != 3:
        raise ExerciseWrong(f"no request failed, but after 2 minutes the rollout is not done ({story['updated']} "
                            f"of 3 updated, {story['available']} available): is the probe too slow to pass?")
    return ("✓ ex 5.1: v2 replaced v1 with all 120 requests answered — the Service only sent traffic to pods "
            f"whose port answered the kubelet's probe.")

