"""Taints and tolerations: the scheduler's plugins read them from kubelab/objects/taints.py,
shared with the taint eviction controller (upstream's core/v1 helpers)."""
from ..objects.taints import (NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, find_untolerated_taint,  # noqa: F401
                              tolerates, tolerations_tolerate)
