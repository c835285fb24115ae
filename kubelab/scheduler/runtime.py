"""The framework runner: one profile's plugins, called in order at each extension point.

A *profile* is a scheduler name ("default-scheduler"), its plugins in order and the weights of
its Score plugins. The runner calls every plugin that implements a point, in that order, and
applies upstream's rules between them:

  PreFilter   Skip leaves that plugin's Filter out for this pod; any rejection ends the cycle.
  Filter      a node's filters stop at the first that rejects it, so its status names one
              plugin's reasons, as upstream reports it.
  PostFilter  runs until one succeeds (preemption nominated a node).
  PreScore    Skip leaves that plugin's Score out for this pod.
  Score       raw scores, NormalizeScore, then × weight; kept apart so an explanation can show
              each plugin's raw and normalized score.
  Reserve     in order; if one fails, every Reserve plugin's unreserve runs, in reverse order.
  Permit      all must approve; one rejection rejects; Wait holds the pod (binding.py).
  Bind        the first plugin that does not Skip binds.

A plugin that raises becomes an Error status naming it ("running \"NodeAffinity\" filter
plugin: ..."): the cycle stops there, the pod backs off, and the scheduler carries on.

Plugins reach the cluster through a `Handle` (upstream's framework.Handle): the scheduler's
snapshot of nodes and pods, the informers' listers, the client and the clock.

Real Kubernetes also runs Filter and Score on 16 goroutines and records metrics per plugin;
kubelab runs them one after the other, in the order the explanation table shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .framework import (ERROR, OK, SKIP, SKIPPED, SUCCESS, UNSCHEDULABLE, WAIT, BindPlugin, CycleState, FilterPlugin,
                        NodeInfo, PermitPlugin, Plugin, PostBindPlugin, PostFilterPlugin, PreBindPlugin,
                        PreEnqueuePlugin, PreFilterPlugin, PreScorePlugin, QueueSortPlugin, ReservePlugin,
                        ScorePlugin, Status)

DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE = 0  # 0: upstream's adaptive default (50 % - nodes/125, at least 5 %)


@dataclass
class Handle:
    """What plugins may use of the scheduler: its snapshot, listers, client and clock."""
    client: Any = None
    clock: Any = None
    snapshot: Callable[[], Any] = lambda: None      # -> cache.Snapshot of the current cycle
    listers: dict[str, Any] = field(default_factory=dict)  # resource -> informer ("namespaces", ...)
    framework: "Framework | None" = None             # set once the framework is built (preemption reruns Filter)
    recorder: Any = None                             # the scheduler's EventRecorder ("Preempted" events)

    def lister(self, resource: str):
        return self.listers.get(resource)


def error_status(plugin: Plugin, what: str, error: BaseException | Status) -> Status:
    """A plugin raised or answered Error: an Error status in upstream's words ("running %q filter plugin: %v")."""
    detail = error.message if isinstance(error, Status) else f"{type(error).__name__}: {error}"
    return Status(ERROR, (what.format(name=plugin.name) + f": {detail}",), plugin.name)


class Framework:
    """One scheduling profile: plugins in order, with the weights of the score plugins."""

    def __init__(self, plugins: list[tuple[Plugin, int]], profile_name: str = "default-scheduler",
                 percentage_of_nodes_to_score: int | None = None, handle: Handle | None = None):
        self.profile_name = profile_name
        self.plugins = [plugin for plugin, _ in plugins]
        self.weights = {plugin.name: weight for plugin, weight in plugins}
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.handle = handle or Handle()
        self.handle.framework = self
        # each extension point's plugins, in profile order (computed once: Filter runs per node)
        of = lambda kind: [p for p in self.plugins if isinstance(p, kind)]  # noqa: E731
        self.pre_enqueue_plugins = of(PreEnqueuePlugin)
        self.queue_sort_plugins = of(QueueSortPlugin)
        self.pre_filter_plugins = of(PreFilterPlugin)
        self.filter_plugins = of(FilterPlugin)
        self.post_filter_plugins = of(PostFilterPlugin)
        self.pre_score_plugins = of(PreScorePlugin)
        self.score_plugins = of(ScorePlugin)
        self.reserve_plugins = of(ReservePlugin)
        self.permit_plugins = of(PermitPlugin)
        self.pre_bind_plugins = of(PreBindPlugin)
        self.bind_plugins = of(BindPlugin)
        self.post_bind_plugins = of(PostBindPlugin)

    def plugin(self, name: str) -> Plugin | None:
        return next((p for p in self.plugins if p.name == name), None)

    # -- the queue's points ---------------------------------------------------------------------
    def run_pre_enqueue_plugins(self, pod: dict) -> Status:
        for plugin in self.pre_enqueue_plugins:
            try:
                status = plugin.pre_enqueue(pod)
            except Exception as error:  # noqa: BLE001  (a plugin's bug must not stop the queue)
                status = error_status(plugin, 'running PreEnqueue plugin "{name}"', error)
            if not status.is_success():
                return status
        return OK

    # -- the scheduling cycle -------------------------------------------------------------------
    def run_pre_filter_plugins(self, state: CycleState, pod: dict) -> Status:
        """Run PreFilter; remember in `state` which plugins skipped (their Filter won't run)."""
        skipped = state.setdefault("__skip_filter__", set())
        for plugin in self.pre_filter_plugins:
            try:
                status = plugin.pre_filter(state, pod)
            except Exception as error:  # noqa: BLE001
                return error_status(plugin, 'running PreFilter plugin "{name}"', error)
            code = status.code
            if code == SUCCESS:
                continue
            if code == SKIP:
                skipped.add(plugin.name)
            elif code == ERROR:
                return error_status(plugin, 'running PreFilter plugin "{name}"', status)
            else:
                return Status(code, status.reasons, status.plugin or plugin.name)
        return OK

    def active_filter_plugins(self, state: CycleState) -> list[FilterPlugin]:
        skipped = state.get("__skip_filter__", set())
        return [p for p in self.filter_plugins if p.name not in skipped]

    def run_filter_plugins(self, state: CycleState, pod: dict, node_info: NodeInfo,
                           plugins: list[FilterPlugin] | None = None) -> dict[str, Status]:
        """Each filter's verdict on one node, stopping at the first that rejects it (or errs)."""
        verdicts: dict[str, Status] = {}
        for plugin in self.active_filter_plugins(state) if plugins is None else plugins:
            try:
                status = plugin.filter(state, pod, node_info)
                if status.code == ERROR:
                    status = error_status(plugin, 'running "{name}" filter plugin', status)
            except Exception as error:  # noqa: BLE001
                status = error_status(plugin, 'running "{name}" filter plugin', error)
            verdicts[plugin.name] = status
            if not status.is_success():
                break
        return verdicts

    def run_post_filter_plugins(self, state: CycleState, pod: dict,
                                node_statuses: dict[str, Status]) -> tuple[Status, str]:
        """Run PostFilter plugins until one succeeds; returns (status, nominated node or "")."""
        status, nominated = Status(UNSCHEDULABLE), ""
        for plugin in self.post_filter_plugins:
            try:
                status, nominated = plugin.post_filter(state, pod, node_statuses)
            except Exception as error:  # noqa: BLE001
                return error_status(plugin, 'running PostFilter plugin "{name}"', error), ""
            if status.is_success() or status.code == ERROR:
                break
        return status, nominated

    def run_pre_score_plugins(self, state: CycleState, pod: dict, node_infos: list[NodeInfo]) -> Status:
        skipped = state.setdefault("__skip_score__", set())
        for plugin in self.pre_score_plugins:
            try:
                status = plugin.pre_score(state, pod, node_infos)
            except Exception as error:  # noqa: BLE001
                return error_status(plugin, 'running PreScore plugin "{name}"', error)
            code = status.code
            if code == SKIP:
                skipped.add(plugin.name)
            elif code != SUCCESS:
                return status
        return OK

    def run_score_plugins(self, state: CycleState, pod: dict, node_infos: list[NodeInfo],
                          explain: dict | None = None) -> tuple[dict[str, dict[str, int]], Status]:
        """node -> plugin -> weighted score; `explain` (if given) gets plugin -> (raw, normalized) maps."""
        skipped = state.get("__skip_score__", set())
        scores: dict[str, dict[str, int]] = {info.name: {} for info in node_infos}
        for plugin in self.score_plugins:
            if plugin.name in skipped:
                continue
            try:
                raw = {info.name: plugin.score(state, pod, info) for info in node_infos}
                normalized = plugin.normalize_score(state, pod, dict(raw))
            except Exception as error:  # noqa: BLE001
                return scores, error_status(plugin, 'running Score plugin "{name}"', error)
            weight = self.weights.get(plugin.name, 1)
            for node, score in normalized.items():
                scores[node][plugin.name] = score * weight
            if explain is not None:
                explain[plugin.name] = (raw, normalized)
        return scores, OK

    def run_reserve_plugins_reserve(self, state: CycleState, pod: dict, node_name: str) -> Status:
        for plugin in self.reserve_plugins:
            try:
                status = plugin.reserve(state, pod, node_name)
                if status.code == ERROR:
                    status = error_status(plugin, 'running Reserve plugin "{name}"', status)
            except Exception as error:  # noqa: BLE001
                status = error_status(plugin, 'running Reserve plugin "{name}"', error)
            if not status.is_success():
                return status
        return OK

    def run_reserve_plugins_unreserve(self, state: CycleState, pod: dict, node_name: str) -> None:
        for plugin in reversed(self.reserve_plugins):
            try:
                plugin.unreserve(state, pod, node_name)
            except Exception:  # noqa: BLE001  (upstream logs and carries on: unreserve must not fail)
                pass

    def run_permit_plugins(self, state: CycleState, pod: dict, node_name: str) -> tuple[Status, float]:
        """Success, a rejection, or Wait with the shortest timeout any waiting plugin asked for."""
        wait = None
        for plugin in self.permit_plugins:
            try:
                status, timeout = plugin.permit(state, pod, node_name)
            except Exception as error:  # noqa: BLE001
                return error_status(plugin, 'running Permit plugin "{name}"', error), 0.0
            if status.code == WAIT:
                wait = timeout if wait is None else min(wait, timeout)
            elif not status.is_success():
                return Status(status.code, status.reasons, plugin.name), 0.0
        return (Status(WAIT), wait) if wait is not None else (OK, 0.0)

    # -- the binding cycle ----------------------------------------------------------------------
    def run_pre_bind_plugins(self, state: CycleState, pod: dict, node_name: str) -> Status:
        for plugin in self.pre_bind_plugins:
            try:
                status = plugin.pre_bind(state, pod, node_name)
                if status.code == ERROR:
                    status = error_status(plugin, 'running PreBind plugin "{name}"', status)
            except Exception as error:  # noqa: BLE001
                status = error_status(plugin, 'running PreBind plugin "{name}"', error)
            if not status.is_success():
                return status
        return OK

    def run_bind_plugins(self, state: CycleState, pod: dict, node_name: str) -> Status:
        for plugin in self.bind_plugins:
            try:
                status = plugin.bind(state, pod, node_name)
                if status.code == ERROR:
                    status = error_status(plugin, 'running Bind plugin "{name}"', status)
            except Exception as error:  # noqa: BLE001
                status = error_status(plugin, 'running Bind plugin "{name}"', error)
            if status.code != SKIP:
                return status
        return SKIPPED

    def run_post_bind_plugins(self, state: CycleState, pod: dict, node_name: str) -> None:
        for plugin in self.post_bind_plugins:
            try:
                plugin.post_bind(state, pod, node_name)
            except Exception:  # noqa: BLE001  (informational point: nothing to undo)
                pass


__all__ = ["DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE", "Framework", "Handle", "SUCCESS", "error_status"]
