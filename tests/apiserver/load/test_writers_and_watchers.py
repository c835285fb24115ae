"""Story: 50 clients write at once while 200 watch, over HTTP; every watcher sees every change
exactly once, in resourceVersion order.

Each writer owns five ConfigMaps and, for each, creates it, replaces it (PUT), merge-patches
it and deletes it: 20 writes a writer, 1,000 in all, racing each other through the API
server's one lock into the store. Half the watchers watch the namespace, half watch
ConfigMaps in every namespace; all start from the resourceVersion before the first write,
so each must see exactly the 1,000 changes the writers were answered with — same type, same
object, same resourceVersion, ascending — no gap, no duplicate, nothing out of order. (A
DELETE answers with a Status, not the object, so a deletion's resourceVersion is checked to
fall between its writer's write before and after it; and every watcher sees the same list.)

Bounded: each watch asks for timeoutSeconds=60 and stops reading at the object written after
all the writers are done; the run takes about 35 s on two cores.
"""
from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from kubelab.apiserver.http import start_apiserver

WRITERS, OBJECTS_PER_WRITER, WATCHERS = 50, 5, 200
NAMESPACE = "load"
COLLECTION = f"/api/v1/namespaces/{NAMESPACE}/configmaps"
LAST = "writers-done"   # written after every writer has finished: a watcher stops when it sees it


@pytest.fixture(scope="module")
def server():
    running = start_apiserver(port=0)
    yield running
    running.stop()


def send(connection: http.client.HTTPConnection, method: str, path: str, body: dict | None = None,
         content_type: str = "application/json") -> dict:
    connection.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                       headers={"Content-Type": content_type})
    response = connection.getresponse()
    answer = json.loads(response.read())
    assert response.status in (200, 201), f"{method} {path}: {response.status} {answer}"
    return answer


def write(server, writer: int) -> list[tuple[int, str, str]]:
    """One writer's 20 writes, in order: [(resourceVersion, event type, name)] as the API server
    answered; a DELETE answers with a Status, so its resourceVersion is 0 (unknown)."""
    connection = http.client.HTTPConnection(server.http.host, server.http.port, timeout=60)
    written = []
    for number in range(OBJECTS_PER_WRITER):
        name = f"writer-{writer}-{number}"
        config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"step": "1"}}
        created = send(connection, "POST", COLLECTION, config)
        written.append((int(created["metadata"]["resourceVersion"]), "ADDED", name))
        created["data"] = {"step": "2"}
        replaced = send(connection, "PUT", f"{COLLECTION}/{name}", created)
        written.append((int(replaced["metadata"]["resourceVersion"]), "MODIFIED", name))
        patched = send(connection, "PATCH", f"{COLLECTION}/{name}", {"data": {"step": "3"}},
                       "application/merge-patch+json")
        written.append((int(patched["metadata"]["resourceVersion"]), "MODIFIED", name))
        send(connection, "DELETE", f"{COLLECTION}/{name}")   # answers a Status: no resourceVersion
        written.append((0, "DELETED", name))
    connection.close()
    return written


class Watcher(threading.Thread):
    """One HTTP watch, read line by line until the writers' closing object (`LAST`) comes through."""

    def __init__(self, server, path: str, since: int, connected: threading.Semaphore):
        super().__init__(daemon=True)
        self.server, self.path, self.since, self.connected = server, path, since, connected
        self.seen: list[tuple[int, str, str]] = []
        self.error: str | None = None

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.server.http.host, self.server.http.port, timeout=60)
        try:
            connection.request("GET", f"{self.path}?watch=true&resourceVersion={self.since}&timeoutSeconds=60")
            response = connection.getresponse()
            self.connected.release()
            while not self.seen or self.seen[-1][2] != LAST:
                line = response.readline()
                if not line:
                    break
                event = json.loads(line)
                metadata = event["object"]["metadata"]
                self.seen.append((int(metadata["resourceVersion"]), event["type"], metadata["name"]))
        except Exception as error:   # reported by the test, not lost in a thread
            self.error = repr(error)
            self.connected.release()
        finally:
            connection.close()


def test_fifty_writers_and_two_hundred_watchers_every_watcher_sees_every_change_once_in_order(server):
    connection = http.client.HTTPConnection(server.http.host, server.http.port, timeout=60)
    send(connection, "POST", "/api/v1/namespaces",
         {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    since = int(send(connection, "GET", COLLECTION)["metadata"]["resourceVersion"])
    connected = threading.Semaphore(0)
    watchers = [Watcher(server, COLLECTION if number % 2 else "/api/v1/configmaps", since, connected)
                for number in range(WATCHERS)]
    for watcher in watchers:
        watcher.start()
    for _ in watchers:   # every watch is open before the first write
        assert connected.acquire(timeout=30)

    with ThreadPoolExecutor(WRITERS) as pool:
        by_writer = list(pool.map(lambda writer: write(server, writer), range(WRITERS)))
    last = send(connection, "POST", COLLECTION, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": LAST}})
    connection.close()
    for watcher in watchers:
        watcher.join(timeout=60)
        assert not watcher.is_alive(), f"watch {watcher.path} did not finish"
        assert watcher.error is None, watcher.error

    seen = watchers[0].seen
    assert seen[-1] == (int(last["metadata"]["resourceVersion"]), "ADDED", LAST)
    assert_is_the_writes(seen[:-1], by_writer)
    for watcher in watchers[1:]:
        assert watcher.seen == seen, (f"watch {watcher.path}: saw {len(watcher.seen)} events, first difference "
                                      f"with the first watcher's at {_first_difference(watcher.seen, seen)}")


def assert_is_the_writes(seen: list[tuple[int, str, str]], by_writer: list[list[tuple[int, str, str]]]) -> None:
    """`seen` is every write once, ascending; each deletion between its writer's write before and after."""
    assert len(seen) == sum(len(writes) for writes in by_writer)
    versions = [version for version, _, _ in seen]
    assert versions == sorted(set(versions)), "events out of resourceVersion order, or repeated"
    answered = sorted(entry for writes in by_writer for entry in writes if entry[1] != "DELETED")
    assert sorted(entry for entry in seen if entry[1] != "DELETED") == answered
    deleted_at = {name: version for version, event_type, name in seen if event_type == "DELETED"}
    for writes in by_writer:
        for index, (_, event_type, name) in enumerate(writes):
            if event_type == "DELETED":
                after = writes[index + 1][0] if index + 1 < len(writes) else float("inf")
                assert writes[index - 1][0] < deleted_at.pop(name) < after, f"{name} deleted out of its writer's order"
    assert not deleted_at, f"deletions nobody made: {sorted(deleted_at)}"


def _first_difference(seen: list, written: list) -> int:
    return next((index for index, (a, b) in enumerate(zip(seen, written)) if a != b), min(len(seen), len(written)))
