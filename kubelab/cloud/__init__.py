"""The cloud controller manager and the cloud it talks to (a fake one, for lessons)."""
from .fake import FakeCloud
from .manager import CloudControllerManager
from .provider import CloudError, CloudProvider

__all__ = ["CloudControllerManager", "CloudError", "CloudProvider", "FakeCloud"]
