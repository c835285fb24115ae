"""Stories: kubelab's own kubectl with a custom kind — apply, get (the CRD's columns), describe, delete."""
from pathlib import Path

import yaml

from kubelab import Cluster

from crontab import crontab

HERE = Path(__file__).resolve().parent


def test_kubelab_kubectl_applies_gets_describes_and_deletes_a_custom_kind():
    cluster = Cluster(nodes=1, seed=0)
    assert cluster.kubectl(f"apply -f {HERE / 'crontab-crd.yaml'}") == \
        "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created"
    assert cluster.kubectl("get crd").split("\n")[0].split() == ["NAME", "CREATED", "AT"]
    assert cluster.apply(yaml.safe_dump(crontab())) == "crontab.stable.example.com/my-new-cron-object created"
    table = cluster.kubectl("get crontabs").split("\n")
    assert table[0].split() == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert table[1].split()[:1] + table[1].split()[6:7] == ["my-new-cron-object", "1"]
    assert cluster.kubectl("get ct -o name") == "crontab.stable.example.com/my-new-cron-object"
    described = cluster.kubectl("describe crontab my-new-cron-object")
    assert "Kind:         CronTab" in described and "  Cron Spec:  * * * * */5" in described
    refused = cluster.apply(yaml.safe_dump(crontab(name="bad", replicas=0)))
    assert "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1" in refused
    assert cluster.kubectl("delete crontab my-new-cron-object") == \
        'crontab.stable.example.com "my-new-cron-object" deleted'
    assert cluster.kubectl("get crontabs") == "No resources found in default namespace."


def test_a_name_no_crd_serves_is_still_unknown():
    cluster = Cluster(nodes=1, seed=0)
    assert cluster.kubectl("get crontabs") == 'error: the server doesn\'t have a resource type "crontabs"'
