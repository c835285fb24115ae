"""The store browser reads etcd's key space as a tree, at any retained revision."""
from kubelab.store import MemoryStore
from kubelab.viz import store_browser
from kubelab.viz.store_browser import key_tree, tree_text


def filled_store():
    store = MemoryStore()
    for key in ["/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/kube-system/c",
                "/registry/minions/node-1"]:
        store.put(key, '{"metadata": {}}')
    return store


def test_the_key_tree_counts_keys_in_every_folder():
    tree = key_tree(["/registry/pods/default/a", "/registry/pods/default/b", "/registry/minions/n"])
    assert tree == {"/registry/": 3, "/registry/minions/": 1, "/registry/pods/": 2,
                    "/registry/pods/default/": 2}


def test_the_tree_text_at_a_past_revision_shows_only_what_existed_then():
    store = filled_store()
    assert "(4 keys)" in tree_text(store)
    then = tree_text(store, revision=3)  # after the first two puts
    assert "(2 keys)" in then and "minions" not in then


def test_sliding_the_revision_back_changes_the_keys_listed():
    store = filled_store()
    browser = store_browser(store)
    revision, folders, keys, value = browser.children
    folders.value = "/registry/pods/"
    assert len(keys.options) == 3
    revision.value = 2
    assert keys.options == ("/registry/pods/default/a",)
    keys.value = "/registry/pods/default/a"
    assert "mod_revision 2" in value.value


def test_the_picked_key_stays_picked_while_the_revision_slider_moves():
    store = filled_store()
    store.put("/registry/pods/default/a", '{"metadata": {"labels": {"v": "2"}}}')   # revision 6
    revision, folders, keys, value = store_browser(store).children
    folders.value = "/registry/pods/"
    keys.value = "/registry/pods/default/a"
    assert "mod_revision 6" in value.value and "version 2" in value.value
    revision.value = 3
    assert keys.value == "/registry/pods/default/a"
    assert "mod_revision 2" in value.value and "version 1" in value.value
    revision.value = 1                                         # before the key was written
    assert keys.value is None and "did not exist at revision 1" in value.value
    revision.value = 6                                         # back: still the learner's pick
    assert keys.value == "/registry/pods/default/a" and "mod_revision 6" in value.value
    folders.value = "/registry/minions/"                      # another folder: the pick goes
    assert keys.value is None and "no key selected" in value.value
