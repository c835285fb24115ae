"""The shape of every controller: handlers enqueue keys, a worker reconciles them.

    informer event ──▶ enqueue(key) ──▶ WorkQueue ──▶ worker: sync(key)
                                                        get → compare → act → write status

`sync` is the whole story of a controller and must be safe to run any number of times: it
reads the desired state from the cache, compares it with what exists, acts through the API,
and writes status. If it raises (a 409 Conflict, a failed create), the key comes back later
with backoff. The worker takes one key per clock callback, so components interleave fairly
on the virtual clock.
"""
from __future__ import annotations

import traceback

from ..objects import meta
from .client import ApiError, Client
from .events import EventRecorder
from .informer import SharedInformerFactory
from .workqueue import WorkQueue


class Controller:
    name = "controller"
    primary = ""   # the plural its keys name ("replicasets"): a failed sync is reported on that object

    def __init__(self, client: Client, clock, factory: SharedInformerFactory):
        self.client, self.clock, self.factory = client, clock, factory
        self.queue = WorkQueue(clock, self.name)
        self.queue.on_ready = self._wake
        self.recorder = EventRecorder(client, clock, self.name)
        self.errors: list[tuple[str, str]] = []  # (key, error) of syncs that raised, newest last
        self._scheduled = False
        self.syncs = 0   # how many times sync ran (lesson 11 divides work by it)

    def enqueue(self, obj_or_key) -> None:
        """Put an object's key (or a key) on the queue."""
        self.queue.add(obj_or_key if isinstance(obj_or_key, str) else meta.key(obj_or_key))

    def sync(self, key: str) -> None:
        raise NotImplementedError

    def report_failed_sync(self, key: str, error: Exception) -> None:
        """A Warning event FailedSync on the object whose sync raised (upstream's HandleError only
        logs; an event is where a learner looks), then the key goes back with backoff."""
        obj = self.factory.informer(self.primary).get(key) if self.primary else None
        if obj is not None:
            try:
                self.recorder.event(obj, "Warning", "FailedSync",
                                    f"Error syncing {obj.get('kind', 'object')}: {type(error).__name__}: {error}")
            except Exception:   # noqa: BLE001 — a report must never be what stops the loop
                pass

    def _wake(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self.clock.call_soon(self._work)

    def _work(self) -> None:
        self._scheduled = False
        key = self.queue.get()
        if key is None:
            return
        self.syncs += 1
        try:
            self.sync(key)
            self.queue.forget(key)
        except ApiError as error:
            self.errors.append((key, f"{error.code} {error.reason}: {error.message}"))
            self.queue.add_rate_limited(key)
        except Exception as error:  # a bug or a malformed object: keep it visible, keep the manager alive
            self.errors.append((key, traceback.format_exc()))
            self.report_failed_sync(key, error)
            self.queue.add_rate_limited(key)
        finally:
            self.queue.done(key)
        if len(self.queue):
            self._wake()
