"""The store browser: etcd's key space as a tree, a value view, and a revision slider.

What it shows is what `etcdctl get --prefix /registry --keys-only` shows on a real control
plane: the API server keeps every object at `/registry/<resource>/<namespace>/<name>`. The
slider reads the same tree *at a past revision* — etcd keeps old versions until compaction,
so the store can show the cluster as it was (multi-version concurrency control).

The key you pick stays picked while the slider moves: the value shown is that key as it was
at the slider's revision (or a note that it did not exist yet), so you can watch one object
change. `key_tree` and `tree_text` are pure reads (tests and stored notebook outputs use them); the
widget only wires them to ipywidgets. The browser reads the store directly, as etcdctl does:
it is the learner's etcdctl, not a cluster component.
"""
from __future__ import annotations

import json
from typing import Any


def key_tree(keys: list[str]) -> dict[str, int]:
    """Every "folder" of the key space ("/registry/pods/default/") -> how many keys it holds."""
    tree: dict[str, int] = {}
    for key in keys:
        parts = key.split("/")
        for depth in range(2, len(parts)):
            folder = "/".join(parts[:depth]) + "/"
            tree[folder] = tree.get(folder, 0) + 1
    return dict(sorted(tree.items()))


def tree_text(store: Any, prefix: str = "/registry/", revision: int = 0, depth: int = 2) -> str:
    """The folders under `prefix`, `depth` levels deep, with key counts, as an indented tree."""
    keys = [kv.key for kv in store.range(prefix, prefix=True, revision=revision, keys_only=True).kvs]
    base = prefix.count("/")
    lines = [f"{prefix}  ({len(keys)} keys)"]
    for folder, count in key_tree(keys).items():
        level = folder.count("/") - base
        if folder.startswith(prefix) and 1 <= level <= depth:
            lines.append(f"{'  ' * level}{folder[len(prefix):] if level == 1 else folder.rsplit('/', 2)[-2] + '/'}"
                         f"  ({count})")
    return "\n".join(lines)


def store_browser(store: Any, prefix: str = "/registry/"):
    """A widget: pick a folder and a key, see its value and revisions, slide back in time."""
    import ipywidgets

    first = max(store.compacted_revision, 1)
    revision = ipywidgets.IntSlider(value=store.revision, min=first, max=store.revision,
                                    description="revision", continuous_update=False)
    folders = ipywidgets.Dropdown(description="folder")
    keys = ipywidgets.Select(description="key", rows=10, layout=ipywidgets.Layout(width="95%"))
    value = ipywidgets.HTML()

    def refresh_folders(*_) -> None:
        listed = [kv.key for kv in store.range(prefix, prefix=True, revision=revision.value, keys_only=True).kvs]
        tree = key_tree(listed)
        keep = folders.value
        folders.options = [(f"{folder}  ({count})", folder) for folder, count in tree.items()
                           if folder.startswith(prefix)] or [(prefix, prefix)]
        folders.value = keep if keep in tree else folders.options[0][1]
        refresh_keys()

    chosen: dict[str, str | None] = {"key": None}   # the learner's pick: kept while the slider moves

    def refresh_keys(*_) -> None:
        if chosen["key"] and not chosen["key"].startswith(folders.value or prefix):
            chosen["key"] = None   # another folder: the pick from the last one goes
        listed = store.range(folders.value or prefix, prefix=True, revision=revision.value, keys_only=True).kvs
        keys.unobserve(pick, names="value")   # new options reset the selection: not the learner's doing
        keys.options = [kv.key for kv in listed]
        keys.value = chosen["key"] if chosen["key"] in keys.options else None
        keys.observe(pick, names="value")
        show_value()

    def pick(change) -> None:
        chosen["key"] = change["new"]
        show_value()

    def show_value() -> None:
        key = chosen["key"]
        if not key:
            value.value = "<i>no key selected</i>"
            return
        found = store.range(key, revision=revision.value).kvs
        if not found:
            value.value = f"<i>{key} did not exist at revision {revision.value}</i>"
            return
        kv = found[0]
        try:
            text = json.dumps(json.loads(kv.value), indent=2)
        except ValueError:
            text = kv.value
        escaped = text.replace("&", "&amp;").replace("<", "&lt;")
        value.value = (f"<b>{kv.key}</b><br>create_revision {kv.create_revision} · mod_revision "
                       f"{kv.mod_revision} · version {kv.version}<pre>{escaped}</pre>")

    revision.observe(refresh_folders, names="value")
    folders.observe(refresh_keys, names="value")
    keys.observe(pick, names="value")
    refresh_folders()
    return ipywidgets.VBox([revision, folders, keys, value])
