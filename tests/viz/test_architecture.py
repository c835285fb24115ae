"""Stories about the components picture: it must tell the one rule of the architecture."""
import re

import pytest

from kubelab.viz import architecture
from kubelab.viz.architecture import COMPONENTS

_ID = r'("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*)'
_EDGE = re.compile(rf"^\s*{_ID} -> {_ID}(.*)$", re.M)


def visible_arrows(source):
    """(caller, callee) for each drawn arrow; dir=back edges are drawn head to tail."""
    arrows = []
    for tail, head, attrs in _EDGE.findall(source):
        if "invis" in attrs:
            continue
        tail, head = tail.strip('"'), head.strip('"')
        arrows.append((head, tail) if "dir=back" in attrs else (tail, head))
    return arrows


def test_every_component_talks_only_to_the_api_server():
    arrows = visible_arrows(architecture(nodes=["node-1", "node-2"]).source)
    # The three arrows that do not end at the API server, as in Kubernetes.
    exceptions = {("kube-apiserver", "etcd"),
                  ("cloud-controller-manager", "cloud provider API"),
                  ("node-1/kubelet", "node-1/container runtime"),
                  ("node-2/kubelet", "node-2/container runtime"),
                  ("node-1/container runtime", "node-1/pods"),
                  ("node-2/container runtime", "node-2/pods")}
    assert {arrow for arrow in arrows if arrow[1] != "kube-apiserver"} == exceptions
    callers = {caller for caller, callee in arrows if callee == "kube-apiserver"}
    assert callers == {"kubectl", "kube-scheduler", "kube-controller-manager", "cloud-controller-manager",
                       "node-1/kubelet", "node-1/kube-proxy", "node-2/kubelet", "node-2/kube-proxy"}


def test_only_the_api_server_talks_to_etcd():
    arrows = visible_arrows(architecture().source)
    assert [caller for caller, callee in arrows if "etcd" in (caller, callee)] == ["kube-apiserver"]


def test_each_named_node_gets_its_own_kubelet_and_kube_proxy():
    source = architecture(nodes=["worker-b", "worker-a", "worker-c"]).source
    for node in ("worker-a", "worker-b", "worker-c"):
        assert f'subgraph "cluster_node_{node}"' in source
        assert f'"{node}/kubelet"' in source and f'"{node}/kube-proxy"' in source
    assert source.index("cluster_node_worker-a") < source.index("cluster_node_worker-b")


def test_highlight_colours_the_component_a_lesson_is_about():
    plain = architecture().source
    scheduler = architecture(highlight="kube-scheduler").source
    assert plain.count("penwidth=2") == 0
    assert scheduler.count("penwidth=2") == 1
    assert re.search(r'"kube-scheduler" \[.*penwidth=2', scheduler)
    # A node component is highlighted on every node.
    assert architecture(highlight="kubelet", nodes=["a", "b"]).source.count("penwidth=2") == 2


def test_an_unknown_highlight_names_the_valid_components():
    with pytest.raises(ValueError, match="kube-scheduler"):
        architecture(highlight="scheduler")


def test_the_picture_is_the_same_every_time():
    assert architecture(highlight="etcd").source == architecture(highlight="etcd").source
    assert "etcd highlighted" in repr(architecture(highlight="etcd"))
    assert set(COMPONENTS) >= {"kube-apiserver", "etcd", "kubelet", "kube-proxy", "container runtime"}


def test_the_picture_renders():
    assert architecture(highlight="kube-apiserver").svg().startswith("<svg")


def test_a_cluster_without_a_cloud_is_drawn_without_one():
    arrows = visible_arrows(architecture(nodes=["node-1"], cloud=False).source)
    names = {name for arrow in arrows for name in arrow}
    assert "cloud-controller-manager" not in names and "cloud provider API" not in names
    assert "cloud" not in architecture(cloud=False).source.replace("(no cloud)", "")
    with pytest.raises(ValueError, match="cloud=False"):
        architecture(highlight="cloud-controller-manager", cloud=False)


def test_drawing_a_live_cluster_draws_what_it_runs():
    from kubelab import Cluster, viz
    assert "cloud-controller-manager" not in viz.draw(Cluster(nodes=1, seed=0), "architecture").source
    assert "cloud-controller-manager" in viz.draw(Cluster(nodes=1, seed=0, cloud=True), "architecture").source
