"""A watch on a real etcd: one stream, one reader thread, callbacks in revision order.

What it models. An etcd watch is a stream the server keeps open: first a "created"
response, then a response whenever a write touches the watched range, and — when the watch
asked for progress notifications — an empty response now and then that says "you have seen
everything up to revision R". etcd sends a watch's responses in revision order, each
change once. kube-apiserver's watch cache lives on exactly this stream.

Invariant: `heard` is a revision R such that every change in range up to R has been handed
to the callback, and the callback has returned. It only grows: an event batch raises it to
its last event's revision; a progress notification raises it to the revision it names
(etcd sends those only once the watch has caught up). `EtcdStore.sync_watchers` waits until
every watch has heard the store's current revision.

Why a thread and a stream per watch: etcd 3.4's JSON gateway reads a request's whole body
before it answers, so one HTTP stream cannot carry more requests once it is open. Real
clients (client-go, etcdctl) multiplex every watch on one gRPC stream instead.

A stream that ends without being cancelled (etcd was killed, the connection broke) is the
watch's end, and the callback hears it: one last `WatchResponse(canceled=True,
cancel_reason=...)`. Without that the API server above would wait forever on a watch that
will never speak again, and nothing in the cluster would reconcile (issue 12). Real
clientv3 reconnects and resumes the watch from the next revision on its own; kubelab ends
it and lets the layers above relist, which is also right for a store that came back empty.

Left out: fragmenting, filters, and etcd's on-stream `progress_request` (it needs that full
duplex; `request_progress` below answers from what the watch has already heard).
"""
from __future__ import annotations

import threading
import traceback
from typing import Callable

from .etcd_gateway import Gateway, Stream, Unreachable, encode, header_revision, key_value
from .interface import Key, KeyValue, Revision, StoreError, WatchCallback, WatchEvent, WatchResponse


def watch_event(message: dict) -> WatchEvent:
    """mvccpb.Event from JSON: a missing "type" is PUT (protobuf's zero value)."""
    kind = message.get("type", "PUT")
    kv = key_value(message["kv"])
    if kind == "DELETE":  # etcd sends the key and the delete's revision, nothing else
        kv = KeyValue(kv.key, "", 0, kv.mod_revision, 0)
    prev = message.get("prev_kv")
    return WatchEvent(kind, kv, key_value(prev) if prev else None)


class EtcdWatcher:
    """One watch: its stream, its reader thread, and what it has delivered so far."""

    def __init__(self, watch_id: int, gateway: Gateway, key: Key, range_end: Key | None,
                 callback: WatchCallback, *, start_revision: Revision, prev_kv: bool,
                 progress_notify: bool, revision_now: Callable[[], Revision],
                 delivered: threading.Condition, on_end: Callable[["EtcdWatcher"], None]) -> None:
        self.id = watch_id
        self.key, self.range_end = key, range_end
        self.callback = callback
        self.progress_notify = progress_notify   # pass progress notifications to the callback?
        self.heard: Revision = 0                 # see the invariant above
        self.error: BaseException | None = None  # why delivery stopped, if not cancel()
        self.cancelled = False                    # by cancel()
        self.compacted = False                    # by etcd: compaction passed the watch
        self.ended = False                        # the reader thread has finished
        self.told = False                         # the callback heard the stream's end
        self._progress_wanted: Revision = 0       # request_progress() waiting for `heard`
        self._lock = threading.RLock()            # one delivery at a time; cancel() waits on it
        self._revision_now = revision_now
        self._delivered, self._on_end = delivered, on_end
        request = {"key": encode(key or "\0") if range_end is not None else encode(key),
                   "start_revision": str(start_revision), "prev_kv": prev_kv,
                   # Always asked for: idle watches then tell sync_watchers how far they got.
                   "progress_notify": True}
        if range_end is not None:
            request["range_end"] = encode(range_end)
        self._stream: Stream = gateway.open_stream("/v3/watch", {"create_request": request})
        created = self._stream.next_message()
        if not created or not created.get("created") or created.get("canceled"):
            self._stream.close()
            reason = (created or {}).get("cancel_reason") or "etcd did not create the watch"
            raise StoreError(reason)
        # Created with start_revision 0, the watch sees every write after the header's revision.
        self.heard = header_revision(created) if start_revision == 0 else start_revision - 1
        self._thread = threading.Thread(target=self._read, name=f"etcd-watch-{watch_id}",
                                        daemon=True)
        self._thread.start()

    # -- the reader thread -------------------------------------------------------------
    def _read(self) -> None:
        try:
            while (message := self._stream.next_message()) is not None:
                self._on_response(message)
                if self.cancelled or self.compacted:
                    break
            if not (self.cancelled or self.compacted):
                self.error = Unreachable(f"watch {self.id}: etcd ended the stream")
                self._tell_ended(str(self.error))
                self.told = True   # its callback knows: nothing left for sync_watchers to report
        except BaseException as error:  # a callback raised: stop here, say so in sync_watchers
            if not self.cancelled:
                self.error = error
                traceback.print_exc()
                self._tell_ended(f"watch {self.id}: {error}")
        finally:
            self.ended = True
            self._stream.close()
            self._on_end(self)
            with self._delivered:
                self._delivered.notify_all()

    def _tell_ended(self, reason: str) -> None:
        """The callback's last batch: the watch is over and will say nothing more."""
        with self._lock:
            if self.cancelled:
                return
            self.cancelled = True
            try:
                self.callback(WatchResponse(self.heard, [], canceled=True, cancel_reason=reason))
            except Exception:  # noqa: BLE001 - the watch is over either way
                traceback.print_exc()

    def _on_response(self, message: dict) -> None:
        revision = header_revision(message)
        events = [watch_event(event) for event in message.get("events", [])]
        with self._lock:
            if self.cancelled:
                return
            if message.get("canceled"):  # compaction passed us: the callback must start over
                self.compacted = True
                compact = int(message.get("compact_revision", 0))
                self.callback(WatchResponse(revision, [], canceled=True, compact_revision=compact))
                return
            if events:
                self.callback(WatchResponse(revision, events))
                self.heard = max(self.heard, events[-1].kv.mod_revision)
            else:
                self.heard = max(self.heard, revision)
                if self.progress_notify:
                    self.callback(WatchResponse(revision, []))
            if self._progress_wanted and self.heard >= self._progress_wanted:
                self._progress_wanted = 0
                self.callback(WatchResponse(self.heard, []))
        with self._delivered:
            self._delivered.notify_all()

    # -- the Watcher protocol ----------------------------------------------------------
    def cancel(self) -> None:
        """Stop the watch; no callback starts after this returns."""
        with self._lock:   # waits for a delivery in progress (unless we are inside it)
            self.cancelled = True
        self._stream.close()

    def request_progress(self) -> None:
        """Deliver a progress notification once every change up to now has been heard.

        If the watch has heard the current revision already it is delivered now, in the
        caller's thread; otherwise from the reader thread once etcd's stream has caught up.
        """
        current = self._revision_now()
        with self._lock:
            if self.heard >= current:
                self.callback(WatchResponse(self.heard, []))
            else:
                self._progress_wanted = max(self._progress_wanted, current)

    def __repr__(self) -> str:
        span = self.key if self.range_end is None else f"[{self.key!r}, {self.range_end!r})"
        return f"<EtcdWatcher {self.id} {span} heard={self.heard}>"
