"""`kubelab demo` tells the walking skeleton's story: who reacts, traffic spread, a pod replaced."""
import subprocess
import sys

from kubelab.cli import main
from kubelab.demo import run_demo


def test_the_demo_shows_each_component_reacting_and_traffic_reaching_every_pod():
    lines = []
    run_demo(seed=0, nodes=3, out=lines.append)
    text = "\n".join(lines)
    for actor in ("kubelet/node-1", "kubernetes-admin", "deployment-controller", "replicaset-controller",
                  "kube-scheduler", "endpoint-controller"):
        assert actor in text
    counts = [int(line.split()[1]) for line in lines if line.startswith("  nginx-deployment-")]
    assert len(counts) == 3 and sum(counts) == 100
    assert "the ReplicaSet notices and replaces it" in text and text.count("Running") >= 6


def test_the_same_seed_tells_the_same_story():
    first, second = [], []
    run_demo(seed=4, out=first.append)
    run_demo(seed=4, out=second.append)
    assert first == second


def test_bad_arguments_get_one_line_and_no_traceback():
    done = subprocess.run([sys.executable, "-m", "kubelab", "demo", "--nodes", "0"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip() == "error: --nodes must be at least 1"
    assert main(["demo", "--nodes", "0"]) == 2
