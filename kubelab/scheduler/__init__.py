"""kube-scheduler: the scheduling framework, its plugins (one file each), the queue and the loop."""
from .framework import NodeInfo, Status
from .profile import ConfigError, load_profiles
from .runtime import Framework, Handle
from .schedule_one import Decision
from .scheduler import Scheduler

__all__ = ["ConfigError", "Decision", "Framework", "Handle", "NodeInfo", "Scheduler", "Status", "load_profiles"]
