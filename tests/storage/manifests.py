"""Small storage manifests the stories share."""


def storage_class(name="fast", provisioner="kubelab.io/hostpath", default=False, **fields):
    metadata = {"name": name}
    if default:
        metadata["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": metadata,
            "provisioner": provisioner, **fields}


def volume(name="pv-1", storage="5Gi", modes=("ReadWriteOnce",), klass=None, labels=None, **spec):
    body = {"capacity": {"storage": storage}, "accessModes": list(modes), **spec}
    if not any(source in spec for source in ("hostPath", "local", "csi")):
        body["hostPath"] = {"path": f"/mnt/{name}"}
    if klass is not None:
        body["storageClassName"] = klass
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "labels": labels or {}},
            "spec": body}


def claim(name="data", storage="1Gi", modes=("ReadWriteOnce",), klass=None, **spec):
    body = {"accessModes": list(modes), "resources": {"requests": {"storage": storage}}, **spec}
    if klass is not None:
        body["storageClassName"] = klass
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": body}


def pod_with_claim(name="app", claim_name="data", image="nginx:1.27", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"role": name.split("-")[0]}},
            "spec": {"containers": [{"name": "app", "image": image,
                                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                     "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}], **spec}}
