"""ImageLocality: prefer nodes that already hold the pod's images (the notes' "data locality").

Extension points: Score.

A node that has the image pulled starts the container without downloading it. For each of the
pod's containers (init containers too) whose image the node lists in status.images, the image's
size counts — scaled by the share of nodes that have it, so an image every node has does not
pull every pod to one node ("spread"). The sum is clamped between 23 MB and 1000 MB per
container and mapped linearly onto 0..100. Weight 1.

    score = 100 * (clamp(Σ size × nodes_with_image / all_nodes) - 23MB) / (1000MB × containers - 23MB)

Names are compared as written, after adding ":latest" to a name without a tag — exactly as
upstream, which (its own TODO says) does not match "nginx:1.27" in a pod with
"docker.io/library/nginx:1.27" in a node's status. So only pods that spell their image in full
benefit; lesson 04 shows both.
"""
from __future__ import annotations

from ..node_table import constant_array, np
from ..framework import MAX_NODE_SCORE, NODE_ADD, CycleState, NodeInfo, ScorePlugin

Name = "ImageLocality"

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def normalized_image_name(name: str) -> str:
    """"nginx" -> "nginx:latest"; names with a tag or digest are left alone."""
    if name.rfind(":") <= name.rfind("/"):
        name += ":latest"
    return name


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    sum_scores = min(max(sum_scores, MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(ScorePlugin):
    name = Name

    def __init__(self, handle):
        self.handle = handle

    def events_to_register(self):
        return [(NODE_ADD, None)]  # it never rejects a pod: nothing to wait for

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        if not node_info.images:
            return 0  # (calculate_priority of nothing: below the threshold)
        snapshot = self.handle.snapshot()
        total_nodes = len(snapshot.node_info_list)
        containers = (pod["spec"].get("initContainers") or []) + (pod["spec"].get("containers") or [])
        total = 0
        for container in containers:
            name = normalized_image_name(container.get("image", ""))
            size = node_info.images.get(name)
            if size is not None:
                total += int(size * (snapshot.image_num_nodes.get(name, 0) / total_nodes))
        return calculate_priority(total, len(containers))

    def score_array(self, state: CycleState, pod: dict, table, rows):
        """Nodes that report no images score 0; the others' scores are kept in the table from one pod
        to the next (NodeTable.kept): they read only the node's images and the pod's image names."""
        if not table.any_images:
            return constant_array(len(rows), 0)
        snapshot = self.handle.snapshot()
        spec = pod["spec"]
        names = tuple(normalized_image_name(container.get("image", ""))
                      for container in (spec.get("initContainers") or []) + (spec.get("containers") or []))
        key = (Name, names, tuple(snapshot.image_num_nodes.get(name, 0) for name in names),
               len(snapshot.node_info_list))

        def score_row(row: int) -> int:
            return self.score(state, pod, table.infos[row]) if table.has_images[row] else 0
        return table.kept(key, lambda all_rows: np.array([score_row(row) for row in all_rows.tolist()], np.int64),
                          score_row)[rows]


def new(arguments: dict | None = None, handle=None) -> ImageLocality:
    """The plugin's factory, as the registry calls it."""
    return ImageLocality(handle)
