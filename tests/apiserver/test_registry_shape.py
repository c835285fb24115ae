"""A kind is one file: the generic request path never names a kind (issue 7 point 1).

Every kind-specific rule is asked of the kind's strategy (registry/strategy.py); a branch
such as `if resource.plural == "pods"` in the generic path is a rule in the wrong place.
"""
import pathlib
import re

from kubelab.api.resources import RESOURCES
from kubelab.apiserver import registry
from kubelab.apiserver.registry.strategy import Strategy

APISERVER = pathlib.Path(__file__).parents[2] / "kubelab" / "apiserver"
GENERIC_PATH = ["server.py", "deletion.py", "pagination.py", "patch.py", "watch.py", "watch_list.py",
                "decode.py", "http/server.py", "http/routes.py"]
PER_KIND_BRANCH = re.compile(r"""\b(plural|resource)\s*(==|!=)\s*["']|\b(plural|resource)\s+(not\s+)?in\s+\(\s*["']""")


def test_the_generic_path_has_no_branch_on_a_kind():
    offenders = [f"{name}:{number}: {line.strip()}"
                 for name in GENERIC_PATH
                 for number, line in enumerate((APISERVER / name).read_text().splitlines(), 1)
                 if PER_KIND_BRANCH.search(line)]
    assert offenders == []


def test_the_grep_would_catch_a_branch():
    assert PER_KIND_BRANCH.search('        if resource.plural == "pods" and grace != 0:')
    assert PER_KIND_BRANCH.search('    if resource.plural in ("deployments", "replicasets"):')
    assert not PER_KIND_BRANCH.search('    if request.subresource in ("status", "finalize"):')


def test_every_strategy_answers_for_a_served_kind():
    for plural, strategy in registry.STRATEGIES.items():
        assert isinstance(strategy, Strategy) and strategy.plural == plural
        assert plural in RESOURCES, plural


def test_a_kind_without_a_file_gets_the_generic_strategy():
    generic = registry.strategy_for("events")
    assert generic.validate({"metadata": {"name": "x"}}) == []
    assert generic.field_selectors == RESOURCES["events"].field_selectors
    assert [column["name"] for column in generic.table_columns()][:3] == ["Last Seen", "Type", "Reason"]


def test_the_table_an_http_client_gets_is_the_strategys():
    from kubelab.api.printers.table import table

    class Widgets(Strategy):
        plural = "pods"
        def table_columns(self):
            return [{"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0},
                    {"name": "Size", "type": "integer", "format": "", "description": "", "priority": 0}]
        def table_row(self, obj, now):
            return [obj["metadata"]["name"], 3]

    answer = table(RESOURCES["pods"], {"metadata": {"name": "w"}}, 0.0, printer=Widgets())
    assert [c["name"] for c in answer["columnDefinitions"]] == ["Name", "Size"]
    assert answer["rows"][0]["cells"] == ["w", 3]


def test_field_selectors_are_the_kinds(apiserver):
    from kubelab.api.request import Request
    from kubelab.api.errors import ApiError
    import pytest
    apiserver.handle(Request("list", "pods", "default", params={"fieldSelector": "status.phase=Running"}))
    with pytest.raises(ApiError) as refused:
        apiserver.handle(Request("list", "deployments", "default", params={"fieldSelector": "spec.replicas=1"}))
    assert refused.value.code == 400 and "field label not supported: spec.replicas" in refused.value.message


def test_every_kind_file_in_the_registry_is_served():
    """A kind file's Strategy class (or its module-level instance) is collected by its plural."""
    import importlib
    import pkgutil
    for info in pkgutil.iter_modules(registry.__path__):
        module = importlib.import_module(f"{registry.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Strategy) and value.plural \
                    and value.__module__ == module.__name__:
                assert isinstance(registry.STRATEGIES.get(value.plural), value), value
