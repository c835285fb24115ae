"""A small operator written with kopf: each WebApp gets a Deployment, and its status says so.

    kubectl apply -f kubelab/examples/webapp-crd.yaml
    kopf run --standalone --namespace default kubelab/examples/webapp_operator.py
    kubectl apply -f kubelab/examples/webapp.yaml

This is the whole of an operator: kopf lists and watches WebApps through the API server
(exactly as a controller's informer does), calls a handler when one is created or changed,
and writes what the handler returns into the WebApp's status. The handler acts only through
the API server — here with the official Kubernetes client — like every other component.
kopf itself is pip's `kopf`, unchanged; docs/kopf.md lists what it needed from the API server.
"""
import kopf
import kubernetes


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_):
    settings.persistence.finalizer = "kubelab.example.com/webapp-operator"
    settings.posting.level = 20   # INFO: post kopf's events (kubectl describe webapp shows them)
    kubernetes.config.load_kube_config()


def deployment_for(name: str, spec: dict) -> dict:
    """The Deployment a WebApp wants: its image, its replica count, pods labelled with its name."""
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "webapp-operator"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": spec.get("replicas", 1),
                 "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "web", "image": spec["image"]}]}}}}


@kopf.on.create("kubelab.example.com", "v1", "webapps")
def create_deployment(name, namespace, spec, body, patch, logger, **_):
    deployment = deployment_for(name, spec)
    kopf.adopt(deployment, owner=body)   # ownerReferences: the Deployment belongs to the WebApp
    kubernetes.client.AppsV1Api().create_namespaced_deployment(namespace, deployment)
    logger.info(f"Deployment {name} created")
    patch.status["deployment"] = name
    patch.status["phase"] = "Created"


@kopf.on.update("kubelab.example.com", "v1", "webapps", field="spec")
def update_deployment(name, namespace, spec, patch, logger, **_):
    kubernetes.client.AppsV1Api().patch_namespaced_deployment(
        name, namespace, {"spec": {"replicas": spec.get("replicas", 1),
                                   "template": {"spec": {"containers": [{"name": "web", "image": spec["image"]}]}}}})
    logger.info(f"Deployment {name} updated")
    patch.status["phase"] = "Updated"


@kopf.on.delete("kubelab.example.com", "v1", "webapps")
def delete_deployment(name, namespace, logger, **_):
    """A delete handler makes kopf put its finalizer on every WebApp: the WebApp stays until this
    has run. (Upstream's garbage collector would also delete the Deployment through its
    ownerReference; kubelab's collector does not follow custom kinds, so the operator does.)"""
    try:
        kubernetes.client.AppsV1Api().delete_namespaced_deployment(name, namespace)
    except kubernetes.client.ApiException as error:
        if error.status != 404:
            raise
    logger.info(f"Deployment {name} deleted")
