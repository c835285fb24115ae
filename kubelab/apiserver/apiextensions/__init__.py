"""apiextensions.k8s.io: CustomResourceDefinitions, and the kinds they add at runtime.

    validation.py  a CRD's defaults and rules (names, versions, scope, storage version)
    structural.py  is its openAPIV3Schema structural? (every field typed, metadata untouched)
    schema.py      a custom object against that schema: prune, default, validate
    strategy.py    the strategy of one custom kind, made from its CRD (what registry/ files are
                   for built-in kinds)
    crds.py        which custom kinds this API server serves, read from the store; the naming
                   and finalizer controllers that run inside the API server, as upstream's do
"""
