"""The command line itself: flags anywhere, bad input in one line, and never a traceback.

Flag errors are cobra's (`Error: ...` then where to read the usage); kubectl's own errors
start with `error: `. The texts were checked against the real kubectl v1.32.
"""
import pytest
from kubectl_cluster_state import NOW

from kubelab.kubectl import KubectlError, run


def test_flags_may_come_before_the_command_and_glued_to_their_letter(kubectl):
    expected = kubectl("get pods -n default -o wide")
    assert kubectl("-n default get pods -owide") == expected
    assert kubectl("get --namespace=default pods --output wide") == expected
    assert kubectl(["kubectl", "get", "pods", "-o", "wide"]) == expected


def test_an_unknown_flag(kubectl):
    assert kubectl("get pods --bogus") == "Error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n"
    assert kubectl("get pods -x") == \
        "Error: unknown shorthand flag: 'x' in -x\nSee 'kubectl get --help' for usage.\n"


def test_a_flag_without_its_value(kubectl):
    assert kubectl("get pods -n") == \
        "Error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage.\n"
    assert kubectl("get pods --namespace") == \
        "Error: flag needs an argument: --namespace\nSee 'kubectl get --help' for usage.\n"


def test_a_bad_boolean(kubectl):
    assert kubectl("get pods -A=maybe") == (
        'Error: invalid argument "maybe" for "-A, --all-namespaces" flag: strconv.ParseBool: parsing "maybe": '
        "invalid syntax\nSee 'kubectl get --help' for usage.\n")


def test_an_unknown_command_suggests_a_near_one(kubectl):
    assert kubectl("gte pods") == 'Error: unknown command "gte" for "kubectl"\n\nDid you mean this?\n\tget\n\n'


def test_get_without_a_type(kubectl):
    assert kubectl("get") == (
        'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of '
        "supported resources.\n\nerror: Required resource not specified.\n"
        'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain '
        "pods).\nSee 'kubectl get -h' for help and examples\n")


def test_an_output_format_kubectl_does_not_know(kubectl):
    assert kubectl("get pods -o foo") == (
        'error: unable to match a printer suitable for the output format "foo", allowed formats are: '
        "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
        "jsonpath-file,name,template,templatefile,wide,yaml\n")


def test_resource_name_arguments_must_be_consistent(kubectl):
    assert kubectl("get pod/x pods") == (
        "error: there is no need to specify a resource type as a separate argument when passing arguments in "
        "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource "
        "resource/<resource_name>'\n")
    assert kubectl("get pod/x/y") == "error: arguments in resource/name form may not have more than one slash\n"
    assert kubectl("get pods x -l app=nginx") == "error: name cannot be provided when a selector is specified\n"


def test_check_raises_for_the_exit_code_and_keeps_what_was_printed(small_cluster):
    assert run(small_cluster, "get pods -n kube-system", NOW, check=True) == \
        "No resources found in kube-system namespace.\n"
    with pytest.raises(KubectlError) as failure:
        run(small_cluster, "get deploy/nginx svc/nope", NOW, check=True)
    assert str(failure.value) == 'Error from server (NotFound): services "nope" not found\n'
    assert failure.value.printed.startswith("NAME    READY")


class BrokenClient:
    """A client whose every call fails in a way no command expects."""

    def __getattr__(self, verb):
        def fail(*args, **kwargs):
            raise RuntimeError("connection reset by peer")
        return fail


def test_a_failure_nobody_expected_is_one_line_not_a_traceback():
    assert run(BrokenClient(), "get pods", NOW) == "error: connection reset by peer\n"
    with pytest.raises(KubectlError):
        run(BrokenClient(), "describe node node-1", NOW, check=True)


def test_unbalanced_quotes(kubectl):
    assert kubectl("get pods -l 'app=web") == "error: No closing quotation\n"


def test_with_no_cluster_yet_kubelabs_kubectl_says_how_to_get_one_in_one_line(tmp_path, monkeypatch, capsys):
    from kubelab.cli import main
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["kubectl", "get", "pods"]) == 1
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and said.startswith("error: no cluster to talk to:")
    assert "kubelab up" in said and "KUBECONFIG" in said
    # A file named on the command line keeps kubectl's own words.
    assert main(["kubectl", "--kubeconfig", str(tmp_path / "missing"), "get", "pods"]) == 1
    assert capsys.readouterr().err == f"error: stat {tmp_path / 'missing'}: no such file or directory\n"
