"""The three-way merge of `kubectl apply`: whose field is it?"""
from kubelab.kubectl.merge import merge_patch_between, three_way_merge


def test_your_file_wins_on_the_fields_it_sets():
    merged = three_way_merge({"spec": {"replicas": 2}}, {"spec": {"replicas": 3}}, {"spec": {"replicas": 5}})
    assert merged == {"spec": {"replicas": 3}}


def test_a_field_you_stopped_setting_is_removed_but_one_you_never_set_stays():
    original = {"metadata": {"labels": {"app": "web", "tier": "frontend"}}}
    modified = {"metadata": {"labels": {"app": "web"}}}
    current = {"metadata": {"labels": {"app": "web", "tier": "frontend", "owner": "ops"}, "uid": "u1"}}
    assert three_way_merge(original, modified, current) == \
        {"metadata": {"labels": {"app": "web", "owner": "ops"}, "uid": "u1"}}


def test_containers_merge_by_name_so_server_defaults_survive():
    current = {"containers": [{"name": "web", "image": "nginx:1", "imagePullPolicy": "IfNotPresent",
                               "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}
    modified = {"containers": [{"name": "web", "image": "nginx:2", "ports": [{"containerPort": 80}]}]}
    assert three_way_merge(modified, modified, current) == {"containers": [
        {"name": "web", "image": "nginx:2", "imagePullPolicy": "IfNotPresent",
         "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}


def test_a_container_removed_from_the_file_goes_one_added_by_someone_else_stays():
    original = {"containers": [{"name": "web"}, {"name": "old"}]}
    modified = {"containers": [{"name": "web"}]}
    current = {"containers": [{"name": "web"}, {"name": "old"}, {"name": "injected"}]}
    assert three_way_merge(original, modified, current) == {"containers": [{"name": "web"}, {"name": "injected"}]}


def test_other_lists_are_replaced_whole():
    merged = three_way_merge(None, {"args": ["-v"]}, {"args": ["-q", "-x"]})
    assert merged == {"args": ["-v"]}


def test_the_patch_is_the_difference_and_empty_when_nothing_changed():
    current = {"spec": {"replicas": 3, "paused": True}, "status": {}}
    assert merge_patch_between(current, {"spec": {"replicas": 4}, "status": {}}) == \
        {"spec": {"replicas": 4, "paused": None}}
    assert merge_patch_between(current, current) == {}
