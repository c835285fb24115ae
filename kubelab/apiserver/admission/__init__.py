"""Admission: the plugins every write passes after authorization and before the store.

    request ─▶ authentication ─▶ authorization ─▶ MUTATING admission ─▶ validation
                                                  (plugins may change    (the kind's rules)
                                                   the object)              │
                                       store ◀── VALIDATING admission ◀─────┘
                                                  (plugins may only say no)

Each plugin is one small file and one class: a `name` (upstream's, as in
--enable-admission-plugins), the `operations` and `resources` it cares about, and `admit`
(mutating) and/or `validate` (validating). A plugin refuses by raising an ApiError —
`attributes.forbid("why")` gives upstream's 403 shape: `pods "web" is forbidden: why`.

Writing your own plugin (lesson 02's exercise 2.1 asks for another; its answer is only in
solutions/):

    from kubelab.apiserver.admission import AdmissionPlugin

    class NoConfigMapNamedTmp(AdmissionPlugin):
        name = "NoConfigMapNamedTmp"
        operations = ("CREATE", "UPDATE")
        resources = ("configmaps",)

        def validate(self, attributes):
            if attributes.object["metadata"].get("name") == "tmp":
                attributes.forbid("choose a name that says what it holds")

    cluster.apiserver.admission.add(NoConfigMapNamedTmp())   # or register() it by name

Real Kubernetes also calls admission webhooks (MutatingAdmissionWebhook,
ValidatingAdmissionWebhook) and ValidatingAdmissionPolicy, and runs some twenty built-in
plugins; kubelab runs the three its lessons explain and lets you add your own in Python,
because a webhook is the same idea with an HTTP call in the middle.
"""
from __future__ import annotations

from .attributes import Attributes
from .chain import AdmissionChain, AdmissionPlugin
from .registry import PLUGINS, default_plugins, register

__all__ = ["AdmissionChain", "AdmissionPlugin", "Attributes", "PLUGINS", "default_plugins", "register"]
