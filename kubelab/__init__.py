"""kubelab: a small but faithful Kubernetes to read, step, break and draw in a notebook.

    from kubelab import Cluster
    cluster = Cluster(nodes=3, seed=0)
    cluster.apply(manifest)
    cluster.settle()
    print(cluster.kubectl("get pods -o wide"))

The public surface is small: `Cluster`, `kubelab.kubectl`, `kubelab.viz`. Everything else is
there to be read (docs/internals.md maps the packages).
"""

__version__ = "0.1.0"
__all__ = ["Cluster"]


def __getattr__(name):
    # Imported on first use, so `import kubelab.store` does not assemble a whole cluster.
    if name == "Cluster":
        from .cluster import Cluster
        return Cluster
    raise AttributeError(f"module 'kubelab' has no attribute {name!r}")
