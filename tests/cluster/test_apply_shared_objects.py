"""Story: an object read from an informer (shared, frozen) can be handed to cluster.apply as it is.

An informer's objects are FrozenDicts (objects/frozen.py); PyYAML's safe dumper refuses a dict
subclass, so `cluster.apply(lister_object)` failed with "cannot represent an object" — the
learner had done nothing wrong (apply does not change what it is given)."""
from kubelab import Cluster
from kubelab.objects.frozen import is_frozen

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""


def test_a_deployment_from_the_controller_managers_informer_applies_as_it_is():
    cluster = Cluster(nodes=1, seed=0)
    cluster.apply(DEPLOYMENT)
    cluster.settle()
    shared = cluster.controller_manager.factory.informer("deployments").get("default/web")
    assert is_frozen(shared)
    assert cluster.apply(shared) in ("deployment.apps/web unchanged", "deployment.apps/web configured")
    cluster.settle()
    again = cluster.controller_manager.factory.informer("deployments").get("default/web")   # (its newest version)
    assert cluster.apply([again]) in ("deployment.apps/web unchanged", "deployment.apps/web configured")
    assert cluster.get("deployments", "web", "default")["spec"]["replicas"] == 2
