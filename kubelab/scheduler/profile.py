"""Scheduling profiles from a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1).

    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    percentageOfNodesToScore: 0            # 0: adaptive (50 % - nodes/125, at least 5 %)
    profiles:
    - schedulerName: default-scheduler
    - schedulerName: bin-packing           # pods choose it with spec.schedulerName
      plugins:
        score:
          disabled: [{name: NodeResourcesBalancedAllocation}]
          enabled:  [{name: NodeResourcesFit, weight: 5}]
        multiPoint:
          enabled:  [{name: "mypackage.plugins:new"}]   # your own plugin, by dotted path
      pluginConfig:
      - name: NodeResourcesFit
        args: {scoringStrategy: {type: MostAllocated}}

Each profile starts from the default plugins (registry.py) under `multiPoint`, then applies the
profile's changes as upstream merges them: `disabled` removes a plugin (`*`: all defaults) from
that point only; an `enabled` entry naming a default plugin replaces it in place (to change a
weight), others are appended. A plugin implements the points its class implements.

The same file works in-process (`Cluster(scheduler_config=...)`, `Scheduler(config=...)`) and for
`kubelab scheduler --config FILE`. Anything wrong — an unknown field or plugin, a weight out of
range, two profiles with one name — is refused before the scheduler starts, with one line naming
the field: `profiles[1].plugins.score.enabled[0].weight: Invalid value: 0: ...`.

Real Kubernetes also reads clientConnection, leaderElection, extenders and feature-specific
fields; kubelab accepts the fields it models and refuses the rest by name.
"""
from __future__ import annotations

import copy
import importlib

import yaml

from . import framework as fw
from .plugins import registry
from .runtime import Framework, Handle

API_VERSION = "kubescheduler.config.k8s.io/v1"
KIND = "KubeSchedulerConfiguration"
POINTS = ("preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score", "reserve",
          "permit", "preBind", "bind", "postBind")
_POINT_ATTRIBUTE = {point: f"{''.join('_' + c.lower() if c.isupper() else c for c in point)}_plugins"
                    for point in POINTS}
_POINT_CLASS = {"preEnqueue": fw.PreEnqueuePlugin, "queueSort": fw.QueueSortPlugin, "preFilter": fw.PreFilterPlugin,
                "filter": fw.FilterPlugin, "postFilter": fw.PostFilterPlugin, "preScore": fw.PreScorePlugin,
                "score": fw.ScorePlugin, "reserve": fw.ReservePlugin, "permit": fw.PermitPlugin,
                "preBind": fw.PreBindPlugin, "bind": fw.BindPlugin, "postBind": fw.PostBindPlugin}
TOP_FIELDS = {"apiVersion", "kind", "percentageOfNodesToScore", "podInitialBackoffSeconds", "podMaxBackoffSeconds",
              "profiles", "parallelism", "leaderElection", "clientConnection"}
PROFILE_FIELDS = {"schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig"}
MAX_WEIGHT = 100


class ConfigError(ValueError):
    """A KubeSchedulerConfiguration kubelab can't run: the message is one line naming the field."""


def _invalid(path: str, value, detail: str) -> ConfigError:
    shown = f'"{value}"' if isinstance(value, str) else value  # Go's %q for strings, as field.Invalid prints
    return ConfigError(f"{path}: Invalid value: {shown}: {detail}")


def read_config(config: dict | str | None) -> dict:
    """A config dict, YAML text or a file path -> the dict (checked for the fields kubelab knows)."""
    if config is None:
        return {"apiVersion": API_VERSION, "kind": KIND}
    if isinstance(config, str):
        text = config
        if "\n" not in config and not config.lstrip().startswith("{"):
            try:
                with open(config, encoding="utf-8") as file:
                    text = file.read()
            except OSError as error:
                raise ConfigError(f"couldn't read config file {config!r}: {error.strerror}") from None
        try:
            config = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise ConfigError(f"couldn't parse config: {str(error).splitlines()[0]}") from None
    if not isinstance(config, dict):
        raise ConfigError("config: must be a KubeSchedulerConfiguration object")
    if config.get("apiVersion") != API_VERSION or config.get("kind") != KIND:
        raise ConfigError(f'no kind "{config.get("kind")}" is registered for version "{config.get("apiVersion")}"'
                          f" (want {KIND} in {API_VERSION})")
    for name in config:
        if name not in TOP_FIELDS:
            raise ConfigError(f'strict decoding error: unknown field "{name}"')
    return config


def _resolve(name: str, path: str):
    """The factory for a plugin name: from the registry, or imported from "module:attribute"."""
    if name in registry.REGISTRY:
        return registry.REGISTRY[name]
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise _invalid(path, name, f"can't import plugin: {error}") from None
        registry.register(name, factory)
        return factory
    raise _invalid(path, name, f'plugin "{name}" does not exist')


def _merge(default: list[tuple[str, int]], custom: dict, path: str) -> list[tuple[str, int]]:
    """upstream's mergePluginSet: disabled removes (or "*" all), enabled overrides in place or appends."""
    disabled = {entry.get("name") for entry in custom.get("disabled") or []}
    enabled = custom.get("enabled") or []
    merged: list[tuple[str, int]] = []
    replaced = set()
    by_name = {entry.get("name"): (index, entry) for index, entry in enumerate(enabled)}
    if "*" not in disabled:
        for name, weight in default:
            if name in disabled:
                continue
            if name in by_name:
                index, entry = by_name[name]
                replaced.add(index)
                merged.append((name, entry.get("weight", weight)))
            else:
                merged.append((name, weight))
    for index, entry in enumerate(enabled):
        if index not in replaced:
            merged.append((entry.get("name"), entry.get("weight", 0)))
    return merged


def _check_entries(plugins: dict, path: str) -> None:
    for point, plugin_set in plugins.items():
        if point not in POINTS and point != "multiPoint":
            raise ConfigError(f'strict decoding error: unknown field "{path}.{point}"')
        for kind in ("enabled", "disabled"):
            for index, entry in enumerate((plugin_set or {}).get(kind) or []):
                where = f"{path}.{point}.{kind}[{index}]"
                if not isinstance(entry, dict) or not entry.get("name"):
                    raise ConfigError(f"{where}.name: Required value")
                if kind == "enabled" and entry["name"] != "*":
                    _resolve(entry["name"], f"{where}.name")
                weight = entry.get("weight")
                if weight is not None and (not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT):
                    raise _invalid(f"{where}.weight", weight, f"must be in the range [0, {MAX_WEIGHT}]")


def build_profile(profile: dict, index: int, handle: Handle, percentage: int | None) -> Framework:
    path = f"profiles[{index}]"
    for name in profile:
        if name not in PROFILE_FIELDS:
            raise ConfigError(f'strict decoding error: unknown field "{path}.{name}"')
    plugins = profile.get("plugins") or {}
    _check_entries(plugins, f"{path}.plugins")
    multi_point = _merge(registry.DEFAULT_PLUGINS, plugins.get("multiPoint") or {}, f"{path}.plugins.multiPoint")
    arguments: dict[str, dict] = {}
    for config_index, entry in enumerate(profile.get("pluginConfig") or []):
        name = entry.get("name")
        if name in arguments:
            raise ConfigError(f'{path}.pluginConfig[{config_index}].name: Duplicate value: "{name}"')
        _resolve(name or "", f"{path}.pluginConfig[{config_index}].name")
        arguments[name] = entry.get("args") or {}
        problem = _validate_args(name, arguments[name])
        if problem:
            raise ConfigError(f"{path}.pluginConfig[{config_index}].args.{problem}")
    # every plugin named anywhere is built once; each point then lists those that implement it
    names = list(dict.fromkeys([name for name, _ in multi_point] + [
        entry["name"] for point in POINTS for entry in (plugins.get(point) or {}).get("enabled") or []]))
    instances = {name: _resolve(name, f"{path}.plugins")(arguments.get(name), handle) for name in names}
    weights = {name: weight for name, weight in multi_point}
    for entry in (plugins.get("score") or {}).get("enabled") or []:
        weights[entry["name"]] = entry.get("weight", weights.get(entry["name"], 0))
    framework = Framework([(instances[name], weights.get(name) or 1) for name in names],
                          profile_name=profile.get("schedulerName") or "default-scheduler",
                          percentage_of_nodes_to_score=profile.get("percentageOfNodesToScore", percentage),
                          handle=handle)
    multi_names = [name for name, _ in multi_point]
    for point in POINTS:
        point_set = plugins.get(point) or {}
        disabled = {entry["name"] for entry in point_set.get("disabled") or []}
        explicit = [entry["name"] for entry in point_set.get("enabled") or []]
        candidates = [] if "*" in disabled else [n for n in multi_names if n not in disabled and n not in explicit]
        # upstream's order: explicit overrides of multiPoint plugins, then multiPoint, then other explicit ones
        order = [n for n in explicit if n in multi_names] + candidates + [n for n in explicit if n not in multi_names]
        setattr(framework, _POINT_ATTRIBUTE[point],
                [instances[n] for n in dict.fromkeys(order) if isinstance(instances[n], _POINT_CLASS[point])])
    return framework


def _validate_args(name: str, arguments: dict) -> str | None:
    if name == "NodeResourcesFit":
        from .plugins.node_resources_fit import validate_args
        return validate_args(arguments)
    if name == "VolumeBinding":
        timeout = arguments.get("bindTimeoutSeconds", 600)
        if not isinstance(timeout, int) or timeout < 0:
            return f"bindTimeoutSeconds: Invalid value: {timeout!r}: invalid BindTimeoutSeconds, should not be a " \
                   "negative value"
    if name == "InterPodAffinity":
        weight = arguments.get("hardPodAffinityWeight", 1)
        if not isinstance(weight, int) or not 0 <= weight <= 100:
            return f"hardPodAffinityWeight: Invalid value: {weight!r}: not in valid range [0, 100]"
    return None


def load_profiles(config: dict | str | None, handle: Handle | None = None) -> dict[str, Framework]:
    """Every profile of the config, by schedulerName (no profiles: the default one)."""
    config = read_config(config)
    handle = handle or Handle()
    percentage = config.get("percentageOfNodesToScore")
    if percentage is not None and (not isinstance(percentage, int) or not 0 <= percentage <= 100):
        raise _invalid("percentageOfNodesToScore", percentage, "not in valid range [0-100]")
    profiles: dict[str, Framework] = {}
    queue_sort = None
    for index, profile in enumerate(config.get("profiles") or [{"schedulerName": "default-scheduler"}]):
        if not isinstance(profile, dict):
            raise ConfigError(f"profiles[{index}]: must be an object")
        name = profile.get("schedulerName") or "default-scheduler"
        if name in profiles:
            raise ConfigError(f'profiles[{index}].schedulerName: Duplicate value: "{name}"')
        framework = build_profile(profile, index, copy.copy(handle), percentage)  # own handle: own .framework
        sort = [p.name for p in framework.queue_sort_plugins]
        if queue_sort is not None and sort != queue_sort:
            raise _invalid(f"profiles[{index}].plugins.queueSort", sort, "queueSort must be the same for all profiles")
        queue_sort = sort
        profiles[name] = framework
    return profiles
