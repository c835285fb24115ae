"""Story: two API servers over one store both serve a CRD created through either (kubelab up --apiservers 2)."""
from kubelab.apiserver import APIServer
from kubelab.client import ApiError, Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.store import MemoryStore

from crontab import CRONTAB_CRD, crontab


def test_a_crd_created_through_one_api_server_is_served_by_the_other():
    clock = VirtualClock()
    store = MemoryStore(clock)
    first, second = APIServer(store, clock), APIServer(store, clock)
    first.bootstrap()
    through_first = Client(InProcessTransport(first))
    through_second = Client(InProcessTransport(second))
    assert through_second.discover() == {}
    through_first.create("customresourcedefinitions", CRONTAB_CRD)
    assert set(through_second.discover()) == {"crontabs"}
    created = through_second.create("crontabs", crontab(replicas=20 - 17), namespace="default")
    assert created["spec"]["replicas"] == 3
    try:
        through_second.create("crontabs", crontab(name="bad", replicas=20), namespace="default")
        raise AssertionError("the second API server did not apply the CRD's schema")
    except ApiError as error:
        assert error.code == 422
    assert [c["metadata"]["name"] for c in through_first.list("crontabs", "default")["items"]] == \
        ["my-new-cron-object"]
    through_second.delete("customresourcedefinitions", "crontabs.stable.example.com")
    assert through_first.discover() == {}
    assert store.range("/registry/stable.example.com/", prefix=True).kvs == []
