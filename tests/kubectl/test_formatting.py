"""The small machines under kubectl's output: elastic tabstops, Go's YAML and JSON, quantities."""
from kubelab.kubectl.output import to_json, to_yaml
from kubelab.kubectl.quantities import Total, canonical
from kubelab.kubectl.tabwriter import get_table, tabwrite


def test_get_tables_pad_every_column_but_the_last_by_three_spaces():
    assert get_table([["NAME", "AGE"], ["a-long-name", "5s"]]) == "NAME          AGE\na-long-name   5s\n"


def test_get_tables_have_a_minimum_column_width_of_six():
    assert get_table([["IP", "X"], ["a", "b"]]) == "IP    X\na     b\n"


def test_a_line_without_a_cell_in_a_column_ends_that_columns_block():
    text = "Name:\tweb\nContainers:\n  web:\n    Image:\tnginx\n    Port:\t80/TCP\n"
    assert tabwrite(text, minwidth=0, padding=2) == (
        "Name:  web\nContainers:\n  web:\n    Image:  nginx\n    Port:   80/TCP\n")


def test_nested_columns_align_within_their_own_block():
    text = "a\tb\tc\naa\tbbb\tc\nx\ty\n"
    assert tabwrite(text, minwidth=0, padding=1) == "a  b   c\naa bbb c\nx  y\n"


def test_yaml_quotes_strings_as_kubectl_does():
    """Compared with `kubectl create configmap --dry-run=client -o yaml` of the real kubectl 1.32."""
    data = {"k": "this is a long string with many spaces in it that goes well beyond eighty characters for sure yes",
            "b": "yes", "c": "y", "d": "123", "e": "*star", "f": "a: b", "g": "", "h": "2025-01-01T00:00:05Z",
            "i": "<none>", "j": "x\ny", "k2": "1:20", "l": "a_b", "aZ": "1", "a_b": "2", "a10": "1", "a9": "2",
            "v": "1e3"}
    assert to_yaml({"data": data}) == (
        "data:\n"
        '  a_b: "2"\n  a9: "2"\n  a10: "1"\n  aZ: "1"\n  b: "yes"\n  c: "y"\n  d: "123"\n'
        "  e: '*star'\n  f: 'a: b'\n"
        '  g: ""\n  h: "2025-01-01T00:00:05Z"\n  i: <none>\n  j: |-\n    x\n    y\n'
        "  k: this is a long string with many spaces in it that goes well beyond eighty characters\n"
        "    for sure yes\n"
        '  k2: "1:20"\n  l: a_b\n  v: "1e3"\n')


def test_yaml_writes_empty_maps_and_lists_inline_and_nulls_as_null():
    assert to_yaml({"status": {"loadBalancer": {}}, "items": [], "lastProbeTime": None}) == (
        "items: []\nlastProbeTime: null\nstatus:\n  loadBalancer: {}\n")


def test_json_sorts_keys_indents_by_four_and_escapes_html():
    assert to_json({"b": [1], "a": "<none> & co"}) == (
        '{\n    "a": "\\u003cnone\\u003e \\u0026 co",\n    "b": [\n        1\n    ]\n}\n')


def test_quantities_print_in_canonical_form():
    assert [canonical(q) for q in ("0.5", "1500m", "2000m", "1024Mi", "1536Mi", "100M", "500", "0")] == \
        ["500m", "1500m", "2", "1Gi", "1536Mi", "100M", "500", "0"]


def test_a_sum_of_quantities_keeps_the_first_ones_suffixes():
    assert str(Total().add("64Mi").add("64Mi")) == "128Mi"
    assert str(Total().add("100m").add("0.25")) == "350m"
    assert str(Total()) == "0"
