"""Contract stories, every backend: leases — grant, attach, keep alive, revoke, expire."""
import pytest

from kubelab.clock import VirtualClock
from kubelab.store import LeaseNotFound


def test_revoking_a_lease_deletes_its_keys_together_under_one_revision(store, recorder):
    lease = store.grant(60)
    assert lease.ttl == 60 and lease.id in store.leases()
    store.put("/registry/events/default/a", "1", lease=lease.id)
    store.put("/registry/events/default/b", "2", lease=lease.id)
    store.put("/registry/pods/default/web", "stays")
    assert store.get("/registry/events/default/a").lease == lease.id
    status = store.time_to_live(lease.id, keys=True)
    assert status.granted_ttl == 60 and 0 < status.ttl <= 60
    assert status.keys == ["/registry/events/default/a", "/registry/events/default/b"]
    seen = recorder(store)
    store.watch("/registry/", seen, prefix=True)
    store.revoke(lease.id)
    assert [(e[0], e[1], e[3]) for e in seen.events()] == [
        ("DELETE", "/registry/events/default/a", 5), ("DELETE", "/registry/events/default/b", 5)]
    assert lease.id not in store.leases()
    assert store.get("/registry/pods/default/web").value == "stays"
    with pytest.raises(LeaseNotFound, match="etcdserver: requested lease not found"):
        store.keep_alive(lease.id)


def test_a_key_rewritten_without_its_lease_no_longer_belongs_to_it(store):
    lease = store.grant(60)
    store.put("/k", "leased", lease=lease.id)
    store.put("/k", "free")
    assert store.time_to_live(lease.id, keys=True).keys == []
    store.revoke(lease.id)
    assert store.get("/k").value == "free"


def test_an_unkept_lease_expires_on_the_clock_and_takes_its_keys(open_store):
    clock = VirtualClock()
    store = open_store(clock)
    if getattr(store, "clock", None) is not clock:
        pytest.skip("this backend keeps real time (a real etcd)")
    kept, dropped = store.grant(10), store.grant(10)
    store.put("/kept", "v", lease=kept.id)
    store.put("/dropped", "v", lease=dropped.id)
    for _ in range(5):           # keep one alive every 5 s, for 25 s
        clock.run(5)
        store.keep_alive(kept.id)
        assert store.time_to_live(kept.id).ttl == 10
    assert store.get("/kept") is not None and store.get("/dropped") is None
    assert store.leases() == [kept.id]
    clock.run(10)
    assert store.get("/kept") is None and store.leases() == []
    assert clock.settle() == 0  # expiry timers are daemons: a quiet store is settled
