"""kube-scheduler: the scheduling framework, its plugins (one file each), the queue and the loop."""
from .framework import Framework, NodeInfo, Status
from .schedule_one import Decision
from .scheduler import Scheduler

__all__ = ["Decision", "Framework", "NodeInfo", "Scheduler", "Status"]
