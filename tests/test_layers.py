"""The layer order the README and DESIGN.md state, checked by reading every module's imports.

    objects, clock, net → store → api → apiserver → client
      → controllers | cloud | scheduler | kubelet | proxy → kubectl
      → cluster | processes → viz | checks | demo → cli → __main__, notebooks

A module may import its own package and any layer to its left, never one to its right (upward)
nor a neighbour in the same layer (sideways). On top of that, as upstream's components see only
client-go and the API types: the components and kubectl never import `kubelab.apiserver` nor
`kubelab.store` — they reach the API through `kubelab.client` and `kubelab.api` only.

Every import counts, a lazy one inside a function included (the checker walks the whole syntax
tree, not just the module's top). The last tests feed the checker synthetic modules to show it
refuses what it should.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "kubelab"

LAYERS = [
    {"objects", "clock", "net"},
    {"store"},
    {"api"},
    {"apiserver"},
    {"client"},
    {"controllers", "cloud", "scheduler", "kubelet", "proxy", "dns"},
    {"kubectl"},
    {"cluster", "processes"},
    {"viz", "checks", "demo"},
    {"cli"},
    {"__main__", "__init__", "examples"},
]
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
# Components talk to the API through the client, never to the server or the store directly.
SEE_ONLY_CLIENT_AND_API = {"controllers", "cloud", "scheduler", "kubelet", "proxy", "dns", "kubectl"}
FORBIDDEN_TO_COMPONENTS = {"apiserver", "store"}
# Sideways imports upstream makes too, each with its reason; nothing else may go sideways.
ALLOWED_SIDEWAYS = {
    # the kubelet admits a pod by running the scheduler's own predicates on its node
    # (upstream: pkg/kubelet/lifecycle/predicate.go imports the scheduler's plugins)
    ("kubelet", "scheduler"),
}


def package_of(module: str) -> str:
    """`kubelab.apiserver.http.server` → `apiserver`; `kubelab` itself → `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(module: str, source: str, is_package: bool = False) -> list[tuple[int, str]]:
    """Every kubelab module `source` imports, anywhere in its tree, as (line, absolute name)."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "kubelab":   # `from kubelab import viz`, `from .. import store`
                found += [(node.lineno, f"kubelab.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return [(line, name) for line, name in found if name == "kubelab" or name.startswith("kubelab.")]


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """The imports of `module` that break the layer order, each as one readable line."""
    importer = package_of(module)
    out = []
    for line, target in imported_modules(module, source, is_package):
        imported = package_of(target)
        if imported == importer:
            continue
        if imported not in RANK or importer not in RANK:
            out.append(f"{module}:{line} imports {target}: a package the layer list does not name")
        elif importer in SEE_ONLY_CLIENT_AND_API and imported in FORBIDDEN_TO_COMPONENTS:
            out.append(f"{module}:{line} imports {target}: components see only kubelab.client and kubelab.api")
        elif RANK[imported] > RANK[importer]:
            out.append(f"{module}:{line} imports {target}: upward ({importer} is below {imported})")
        elif RANK[imported] == RANK[importer] and (importer, imported) not in ALLOWED_SIDEWAYS:
            out.append(f"{module}:{line} imports {target}: sideways ({importer} and {imported} share a layer)")
    return out


def all_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(relative.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield ".".join(parts), path, is_package


def test_every_module_imports_only_downward():
    broken = []
    for module, path, is_package in all_modules():
        broken += violations(module, path.read_text(), is_package)
    assert not broken, "layer order broken:\n" + "\n".join(broken)


def test_every_top_level_package_has_a_place_in_the_layers():
    packages = {path.stem if path.is_file() else path.name for path in ROOT.iterdir()
                if (path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()))}
    assert packages <= set(RANK), f"give these a layer: {sorted(packages - set(RANK))}"


@pytest.mark.parametrize("module, source, complaint", [
    # a lazy import inside a function counts as much as one at the top
    ("kubelab.controllers.fake", "def reconcile():\n    from ..apiserver import APIServer\n",
     "components see only kubelab.client and kubelab.api"),
    ("kubelab.kubelet.fake", "import kubelab.store.memory\n", "components see only"),
    ("kubelab.store.fake", "from ..client import Client\n", "upward (store is below client)"),
    ("kubelab.api.fake", "from kubelab.apiserver import server\n", "upward (api is below apiserver)"),
    ("kubelab.scheduler.fake", "from ..controllers import replicaset\n", "sideways"),
    ("kubelab.processes.fake", "from ..cluster import Cluster\n", "sideways"),
    ("kubelab.cluster.fake", "from kubelab import viz\n", "upward (cluster is below viz)"),
    ("kubelab.objects.fake", "class A:\n    def f(self):\n        from kubelab.clock import VirtualClock\n",
     "sideways"),
])
def test_the_checker_refuses_an_upward_or_sideways_import(module, source, complaint):
    found = violations(module, source)
    assert len(found) == 1 and complaint in found[0], found


def test_the_checker_accepts_downward_and_own_package_imports():
    source = ("from ..client import Client\nfrom ..api import errors\nfrom ..objects import meta\n"
              "from . import rolling\nimport json\n")
    assert violations("kubelab.controllers.fake", source) == []
    assert violations("kubelab.cluster.fake", "from ..apiserver import APIServer\n") == []
