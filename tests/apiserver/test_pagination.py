"""Stories about LIST in pages: limit, continue, one snapshot, and 410 when it is gone."""
import pytest

from kubelab.client import ApiError


def configmap(name):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": name}}


def test_pages_of_a_list_are_one_snapshot_even_while_writers_carry_on(client):
    for index in range(5):
        client.create("configmaps", configmap(f"cm-{index}"))
    first = client.list("configmaps", "default", limit=2)
    assert [c["metadata"]["name"] for c in first["items"]] == ["cm-0", "cm-1"]
    assert first["metadata"]["remainingItemCount"] == 3
    client.delete("configmaps", "cm-3")                      # after the first page:
    client.create("configmaps", configmap("cm-2a"))          # not in this snapshot
    second = client.list("configmaps", "default", limit=2, continue_=first["metadata"]["continue"])
    third = client.list("configmaps", "default", limit=2, continue_=second["metadata"]["continue"])
    assert [c["metadata"]["name"] for c in second["items"] + third["items"]] == ["cm-2", "cm-3", "cm-4"]
    assert "continue" not in third["metadata"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_a_page_with_a_label_selector_reads_on_until_it_is_full(client):
    for index in range(6):
        body = configmap(f"cm-{index}")
        body["metadata"]["labels"] = {"even": str(index % 2 == 0).lower()}
        client.create("configmaps", body)
    page = client.list("configmaps", "default", label_selector="even=true", limit=2)
    assert [c["metadata"]["name"] for c in page["items"]] == ["cm-0", "cm-2"]
    rest = client.list("configmaps", "default", label_selector="even=true", limit=2,
                       continue_=page["metadata"]["continue"])
    assert [c["metadata"]["name"] for c in rest["items"]] == ["cm-4"]


def test_a_continue_token_past_compaction_is_410_expired(client, store):
    for index in range(3):
        client.create("configmaps", configmap(f"cm-{index}"))
    first = client.list("configmaps", "default", limit=1)
    client.patch("configmaps", "cm-0", {"data": {"k": "changed"}})
    store.compact(store.revision)
    with pytest.raises(ApiError) as error:
        client.list("configmaps", "default", limit=1, continue_=first["metadata"]["continue"])
    assert error.value.code == 410 and error.value.reason == "Expired"
    assert error.value.message.startswith("The provided continue parameter is too old")


def test_a_made_up_continue_token_is_400(client):
    with pytest.raises(ApiError) as error:
        client.list("configmaps", "default", limit=1, continue_="not-a-token")
    assert error.value.code == 400 and "invalid continue token" in error.value.message
