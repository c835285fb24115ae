"""`kubelab store`, kubelab's etcdctl: etcdctl's output shapes, and one clear line for bad input."""
import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kubelab.store.cli import human_bytes, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def etcdctl(tmp_path, capsys):
    """etcdctl(*words) -> (exit code, stdout, stderr), against a file store in tmp_path/data."""
    def run(*words: str, data_dir: bool = True):
        argv = (["--data-dir", str(tmp_path / "data")] if data_dir else []) + list(words)
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_put_then_get_prints_keys_and_values_as_etcdctl_does(etcdctl):
    assert etcdctl("put", "/registry/pods/default/web", "v1") == (0, "OK\n", "")
    etcdctl("put", "/registry/pods/default/db", "v2")
    assert etcdctl("get", "/registry/pods/", "--prefix")[1] == \
        "/registry/pods/default/db\nv2\n/registry/pods/default/web\nv1\n"
    assert etcdctl("get", "/registry/pods/", "--prefix", "--keys-only")[1] == \
        "/registry/pods/default/db\n\n/registry/pods/default/web\n\n"
    assert etcdctl("get", "/registry/pods/", "--prefix", "--count-only")[1] == "2\n"
    assert etcdctl("put", "/registry/pods/default/web", "v3", "--prev-kv")[1] == \
        "OK\n/registry/pods/default/web\nv1\n"
    assert etcdctl("get", "/registry/pods/default/web", "--rev", "2")[1] == "/registry/pods/default/web\nv1\n"


def test_get_json_is_etcds_json_with_base64_keys_and_values(etcdctl):
    etcdctl("put", "/k", "hello")
    code, out, _ = etcdctl("get", "/k", "-w", "json")
    message = json.loads(out)
    assert message["header"]["revision"] == 2 and message["count"] == 1
    kv, = message["kvs"]
    assert base64.b64decode(kv["key"]) == b"/k" and base64.b64decode(kv["value"]) == b"hello"
    assert (kv["create_revision"], kv["mod_revision"], kv["version"]) == (2, 2, 1)
    assert "lease" not in kv and "more" not in message  # zero fields are left out, as protobuf does
    assert json.loads(etcdctl("get", "/nothing", "-o", "json")[1]) == {"header": {"revision": 2}}


def test_del_prints_how_many_went_and_watch_replays_from_a_revision(etcdctl):
    for key in ("/p/a", "/p/b", "/q"):
        etcdctl("put", key, "v")
    assert etcdctl("del", "/p/", "--prefix")[1] == "2\n"
    assert etcdctl("del", "/p/a")[1] == "0\n"
    assert etcdctl("watch", "/p/", "--prefix", "--rev", "3")[1] == "PUT\n/p/b\nv\nDELETE\n/p/a\n\nDELETE\n/p/b\n\n"


def test_compaction_then_a_read_below_it_is_one_line_naming_both_revisions(etcdctl):
    for value in "abc":
        etcdctl("put", "/k", value)
    assert etcdctl("compact", "3") == (0, "compacted revision 3\n", "")
    assert etcdctl("get", "/k", "--rev", "2") == (
        1, "", "Error: etcdserver: mvcc: required revision has been compacted (requested 2, compacted 3)\n")


def test_snapshot_save_status_and_restore(etcdctl, tmp_path):
    etcdctl("put", "/registry/pods/default/web", "v1")
    etcdctl("put", "/registry/pods/default/db", "v2")
    backup = tmp_path / "backup.snap"
    assert etcdctl("snapshot", "save", str(backup)) == (0, f"Snapshot saved at {backup}\n", "")
    code, table, _ = etcdctl("snapshot", "status", str(backup), data_dir=False)
    lines = table.splitlines()
    assert lines[0] == lines[2] == lines[4] == "+----------+----------+------------+------------+"
    assert lines[1] == "|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |"
    cells = [cell.strip() for cell in lines[3].strip("|").split("|")]
    assert cells[1:] == ["3", "2", human_bytes(backup.stat().st_size)] and len(cells[0]) == 8
    assert etcdctl("snapshot", "status", str(backup), "-w", "simple", data_dir=False)[1] == ", ".join(cells) + "\n"
    new = tmp_path / "restored"
    code, out, _ = etcdctl("snapshot", "restore", str(backup), "--data-dir", str(new), data_dir=False)
    assert code == 0 and "revision 3, 2 keys" in out
    assert main(["--data-dir", str(new), "get", "/registry/", "--prefix", "--count-only"]) == 0
    code, _, err = etcdctl("snapshot", "restore", str(backup), "--data-dir", str(new), data_dir=False)
    assert code == 1 and err == f'Error: data-dir "{new}" not empty or could not be read\n'


@pytest.mark.parametrize("words, message", [
    (["get"], "get command needs one argument as key and an optional argument as range_end"),
    (["put", "/only-a-key"], "put command needs 2 arguments: KEY VALUE"),
    (["get", "/k", "--rev", "yesterday"], 'bad revision "yesterday": want a whole number'),
    (["compact", "-1"], 'bad revision "-1": must not be negative'),
    (["compact"], "compact command needs 1 argument"),
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    (["snapshot", "save"], "snapshot save expects one argument"),
])
def test_bad_input_is_one_clear_line_and_exit_2(etcdctl, words, message):
    etcdctl("put", "/exists", "v")
    code, out, err = etcdctl(*words)
    assert code == 2 and out == "" and err.startswith(f"Error: {message}") and err.count("\n") == 1


def test_store_errors_are_one_line_and_exit_1(etcdctl, tmp_path):
    etcdctl("put", "/k", "v")
    assert etcdctl("compact", "99")[2] == "Error: etcdserver: mvcc: required revision is a future revision\n"
    code, _, err = etcdctl("snapshot", "status", str(tmp_path / "missing.snap"), data_dir=False)
    assert code == 1 and err == f"Error: {tmp_path / 'missing.snap'}: cannot read snapshot: No such file or directory\n"
    (tmp_path / "junk.snap").write_text("not a snapshot\n")
    code, _, err = etcdctl("snapshot", "status", str(tmp_path / "junk.snap"), data_dir=False)
    assert code == 1 and err == f"Error: {tmp_path / 'junk.snap'}: not a kubelab store snapshot\n"
    assert main(["--data-dir", str(tmp_path / "nowhere"), "get", "/k"]) == 1  # no such store


def test_the_kubelab_command_runs_it_and_never_prints_a_traceback(tmp_path):
    def kubelab(*words: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kubelab", "store", *words], capture_output=True,
                              text=True, cwd=ROOT, timeout=60)
    assert kubelab("--data-dir", str(tmp_path), "put", "/k", "v").stdout == "OK\n"
    assert kubelab("--data-dir", str(tmp_path), "get", "/k").stdout == "/k\nv\n"
    broken = tmp_path / "broken.snap"
    broken.write_bytes(b'{"kubelab-store-snapshot":1}\nsha256 0000\n')
    result = kubelab("snapshot", "status", str(broken))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "snapshot integrity check failed" in result.stderr and "Traceback" not in result.stderr
    result = kubelab("get", "/k")
    assert result.returncode == 2 and result.stderr.startswith("Error: say where the store is")


def test_sizes_print_as_go_humanize_prints_them():
    assert [human_bytes(n) for n in (7, 337, 20_480, 2_101_248, 1_000_000_000)] == \
        ["7 B", "337 B", "20 kB", "2.1 MB", "1.0 GB"]
