"""Client machinery: the Client, informers, the work queue, controllers and events."""
from .client import ApiError, Client, InProcessTransport
from .controller import Controller
from .events import NORMAL, WARNING, EventRecorder
from .informer import Informer, SharedInformerFactory
from .workqueue import WorkQueue

__all__ = ["ApiError", "Client", "Controller", "EventRecorder", "InProcessTransport", "Informer",
           "NORMAL", "SharedInformerFactory", "WARNING", "WorkQueue"]
