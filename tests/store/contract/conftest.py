"""The backends the contract stories run against: one fixture each, named after the backend.

A backend fixture returns a factory: `make(clock=None, **limits) -> Store`, a new, empty
store (revision 1, nothing compacted) with etcd's limits unless `limits` says otherwise
(`max_request_bytes`, `quota_backend_bytes`). The `clock` drives lease expiry and periodic
progress notifications on the backends that take one; a backend that keeps real time (a
real etcd) ignores it, and the stories that need virtual time skip it.

Adding a backend is one function: a fixture with the backend's name (tests/store/conftest.py
holds `etcd`), plus its name in BACKENDS. A backend whose fixture is not defined is skipped.
"""
import itertools

import pytest

from kubelab.store import MemoryStore
from kubelab.store.file import FileStore

BACKENDS = ["memory", "file", "etcd"]


@pytest.fixture
def memory():
    return lambda clock=None, **limits: MemoryStore(clock, **limits)


@pytest.fixture
def file(tmp_path):
    numbers = itertools.count()
    return lambda clock=None, **limits: FileStore(tmp_path / f"data-{next(numbers)}", clock, **limits)


@pytest.fixture(params=BACKENDS)
def open_store(request):
    """open_store(clock=None, **limits) -> a new store of the backend under test, closed after."""
    try:
        make = request.getfixturevalue(request.param)
    except pytest.FixtureLookupError:
        pytest.skip(f"no `{request.param}` backend fixture defined (see tests/store/conftest.py)")
    opened = []

    def open_(clock=None, **limits):
        opened.append(make(clock, **limits))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store):
    """A new, empty store of the backend under test."""
    return open_store()


class Recorder:
    """A watch callback that keeps every response; `events()` flattens them after a sync."""

    def __init__(self, store):
        self.store, self.responses = store, []

    def __call__(self, response):
        self.responses.append(response)

    def events(self):
        self.store.sync_watchers()
        return [(e.type, e.kv.key, e.kv.value, e.kv.mod_revision)
                for response in self.responses for e in response.events]


@pytest.fixture
def recorder():
    return Recorder
