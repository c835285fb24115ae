"""Stories about informers and the work queue."""
from kubelab.client import WorkQueue


def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def test_an_informer_lists_then_watches_into_its_cache(client, clock, factory):
    client.create("pods", pod("before"))
    informer = factory.informer("pods")
    seen = []
    informer.add_handlers(on_add=lambda obj: seen.append(("add", obj["metadata"]["name"])),
                          on_update=lambda old, new: seen.append(("update", new["metadata"]["name"])),
                          on_delete=lambda obj: seen.append(("delete", obj["metadata"]["name"])))
    factory.start()
    assert informer.has_synced and informer.get("default/before")
    client.create("pods", pod("after"))
    client.delete("pods", "before")
    clock.run(0)
    assert seen == [("add", "before"), ("add", "after"), ("delete", "before")]
    assert [p["metadata"]["name"] for p in informer.list()] == ["after"]


def test_the_cache_already_holds_the_event_when_a_handler_runs(client, clock, factory):
    informer = factory.informer("pods")
    observed = []
    informer.add_handlers(on_add=lambda obj: observed.append(informer.get("default/a") is not None))
    factory.start()
    client.create("pods", pod("a"))
    clock.run(0)
    assert observed == [True]


def test_a_queue_deduplicates_keys_waiting_to_be_processed(clock):
    queue = WorkQueue(clock)
    for _ in range(10):
        queue.add("default/web")
    assert len(queue) == 1


def test_a_key_is_never_processed_twice_at_once_and_no_change_is_lost(clock):
    queue = WorkQueue(clock)
    queue.add("k")
    key = queue.get()
    queue.add("k")            # changed while a worker holds it
    assert queue.get() is None  # not handed to a second worker
    queue.done(key)
    assert queue.get() == "k"   # but not lost either


def test_failed_keys_come_back_with_exponential_backoff(clock):
    queue = WorkQueue(clock)
    times = []
    for _ in range(3):
        queue.add_rate_limited("k")
        clock.settle()
        times.append(round(clock.now() - 1735689600.0, 3))
        queue.done(queue.get())
    assert times == [0.005, 0.015, 0.035]
    queue.forget("k")
    assert queue.failures == {}
