"""Stories of probes: a sick app restarted by its liveness probe on upstream's schedule,
readiness deciding Ready, a startup probe holding the others back, exec/tcp/grpc probes."""
import pytest

from kubelab import Cluster
from kubelab.objects import conditions


def make(name, container, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", **container}], **spec}}


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0)


def events(cluster, name, reason):
    return [e for e in cluster.list("events") if e["involvedObject"]["name"] == name and e["reason"] == reason]


def test_a_sick_app_fails_its_liveness_probe_three_times_then_is_restarted(cluster):
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10, "failureThreshold": 3}
    cluster.apply(make("web", {"image": "nginx:1.27", "livenessProbe": probe}))
    cluster.run(35)
    assert cluster.get("pods", "web")["status"]["containerStatuses"][0]["restartCount"] == 0
    cluster.kubelets["node-1"].runtime.set_sick("default", "web")
    sick_at = cluster.clock.now()
    restarted = None
    for _ in range(60):
        cluster.run(1)
        if cluster.get("pods", "web")["status"]["containerStatuses"][0]["restartCount"] == 1:
            restarted = cluster.clock.now() - sick_at
            break
    # probes every 10 s: three failures in a row take 20–30 s, then SIGTERM (nginx exits at once)
    assert restarted is not None and 20 <= restarted <= 32
    unhealthy = events(cluster, "web", "Unhealthy")[0]
    assert unhealthy["message"] == "Liveness probe failed: HTTP probe failed with statuscode: 500"
    assert unhealthy["count"] == 3
    assert events(cluster, "web", "Killing")[0]["message"] == \
        "Container app failed liveness probe, will be restarted"
    cluster.run(30)   # the new container is a healthy one
    assert cluster.get("pods", "web")["status"]["containerStatuses"][0]["restartCount"] == 1


def test_the_docs_liveness_image_fails_healthz_after_10_seconds(cluster):
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 3, "periodSeconds": 3}
    cluster.apply(make("liveness-http", {"image": "registry.k8s.io/liveness", "args": ["/server"],
                                         "livenessProbe": probe}))
    cluster.run(30)
    status = cluster.get("pods", "liveness-http")["status"]["containerStatuses"][0]
    assert status["restartCount"] >= 1


def test_readiness_decides_ready_and_a_probe_on_the_wrong_path_keeps_nginx_unready(cluster):
    good = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}
    bad = {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 5}   # nginx answers 404
    cluster.apply(make("good", {"image": "nginx:1.27", "readinessProbe": good}))
    cluster.apply(make("bad", {"image": "nginx:1.27", "readinessProbe": bad}))
    cluster.run(4.5)
    assert conditions.get(cluster.get("pods", "good"), "Ready")["status"] == "False"  # not probed yet
    cluster.run(1)    # the first tick, one period after the pod was added
    assert conditions.get(cluster.get("pods", "good"), "Ready")["status"] == "True"
    bad_pod = cluster.get("pods", "bad")
    assert conditions.get(bad_pod, "Ready")["status"] == "False"
    assert bad_pod["status"]["phase"] == "Running" and bad_pod["status"]["containerStatuses"][0]["restartCount"] == 0
    assert events(cluster, "bad", "Unhealthy")[0]["message"] == \
        "Readiness probe failed: HTTP probe failed with statuscode: 404"
    assert "0/1     Running" in cluster.kubectl("get pod bad")


def test_an_exec_probe_sees_the_file_the_app_removes(cluster):
    script = "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"
    probe = {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5}
    cluster.apply(make("liveness-exec", {"image": "registry.k8s.io/busybox:1.27.2", "args": ["/bin/sh", "-c", script],
                                         "livenessProbe": probe}))
    cluster.run(30)
    assert cluster.get("pods", "liveness-exec")["status"]["containerStatuses"][0]["restartCount"] == 0
    cluster.run(30)   # three failures 5 s apart, then SIGTERM, which a shell as PID 1 ignores: 30 s grace
    assert cluster.get("pods", "liveness-exec")["status"]["containerStatuses"][0]["restartCount"] == 0
    cluster.run(30)
    assert cluster.get("pods", "liveness-exec")["status"]["containerStatuses"][0]["restartCount"] == 1
    message = events(cluster, "liveness-exec", "Unhealthy")[0]["message"]
    assert message == "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"


def test_a_startup_probe_holds_liveness_back_until_it_succeeds(cluster):
    startup = {"tcpSocket": {"port": 6379}, "periodSeconds": 5, "failureThreshold": 30}
    liveness = {"tcpSocket": {"port": 6379}, "periodSeconds": 5}
    cluster.apply(make("redis", {"image": "redis:7.4", "startupProbe": startup, "livenessProbe": liveness}))
    cluster.run(1.5)
    status = cluster.get("pods", "redis")["status"]["containerStatuses"][0]
    assert status["started"] is False and status["ready"] is False
    cluster.run(10)
    status = cluster.get("pods", "redis")["status"]["containerStatuses"][0]
    assert status["started"] is True and status["ready"] is True


def test_a_tcp_probe_on_a_port_nobody_listens_on_is_refused(cluster):
    probe = {"tcpSocket": {"port": 3306}, "periodSeconds": 5}
    cluster.apply(make("web", {"image": "nginx:1.27", "readinessProbe": probe}))
    cluster.run(10)
    message = events(cluster, "web", "Unhealthy")[0]["message"]
    assert message == "Readiness probe failed: dial tcp 10.244.1.2:3306: connect: connection refused"


def test_a_grpc_probe_of_a_sick_app_hears_not_serving(cluster):
    probe = {"grpc": {"port": 8080}, "periodSeconds": 5}
    cluster.apply(make("hello", {"image": "gcr.io/google-samples/hello-app:1.0", "readinessProbe": probe}))
    cluster.run(10)
    assert conditions.get(cluster.get("pods", "hello"), "Ready")["status"] == "True"
    cluster.kubelets["node-1"].runtime.set_sick("default", "hello")
    cluster.run(10)
    assert conditions.get(cluster.get("pods", "hello"), "Ready")["status"] == "True"  # 2 failures: not yet
    cluster.run(5)
    assert conditions.get(cluster.get("pods", "hello"), "Ready")["status"] == "False"
    assert events(cluster, "hello", "Unhealthy")[0]["message"] == \
        'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")'


def test_cluster_exec_runs_a_command_in_the_container_and_sees_its_shared_volume(cluster):
    volume = {"name": "html", "emptyDir": {}}
    writer = {"name": "writer", "image": "debian:12", "command": ["/bin/sh", "-c"],
              "args": ["echo Hello from the debian container > /pod-data/index.html; sleep 3600"],
              "volumeMounts": [{"name": "html", "mountPath": "/pod-data"}]}
    web = {"name": "app", "image": "nginx:1.27", "volumeMounts": [{"name": "html", "mountPath": "/usr/share/nginx/html"}]}
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two"},
                   "spec": {"containers": [web, writer], "volumes": [volume]}})
    cluster.run(10)
    assert cluster.exec("two", "cat /usr/share/nginx/html/index.html") == "Hello from the debian container\n"
    assert cluster.exec("two", ["printenv", "HOSTNAME"], container="writer") == "two\n"
    with pytest.raises(Exception) as refused:
        cluster.exec("two", "ls", container="nope")
    assert "not valid for pod two" in str(refused.value)


def test_cluster_exec_with_stdin_feeds_the_command_as_kubectl_exec_i_does(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "box"},
                   "spec": {"containers": [{"name": "box", "image": "busybox:1.37", "command": ["sleep", "3600"]}]}})
    cluster.run(10)
    assert cluster.exec("box", "cat", stdin="hi\nthere\n") == "hi\nthere\n"     # echo … | kubectl exec -i box -- cat
    assert cluster.exec("box", "sh", stdin="echo $HOSTNAME; cat\n") == "box\n"   # the script read, stdin is at its end
    assert cluster.exec("box", "cat") == ""                                         # no stdin: end of input at once


@pytest.mark.parametrize("container, field, words", [
    ({"livenessProbe": {"periodSeconds": 5}}, "spec.containers[0].livenessProbe", "must specify a handler type"),
    ({"readinessProbe": {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}}},
     "spec.containers[0].readinessProbe.tcpSocket", "may not specify more than 1 handler type"),
    ({"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}},
     "spec.containers[0].livenessProbe.successThreshold", "Invalid value: 2: must be 1"),
    ({"readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": -1}},
     "spec.containers[0].readinessProbe.periodSeconds", "must be greater than or equal to 0"),
    ({"volumeMounts": [{"name": "config", "mountPath": "/etc/app"}]},
     "spec.containers[0].volumeMounts[0].name", 'Not found: "config"'),
])
def test_invalid_probes_and_volume_references_are_refused_at_the_api(cluster, container, field, words):
    from kubelab.client import ApiError
    with pytest.raises(ApiError) as refused:
        cluster.client.create("pods", make("bad", {"image": "nginx:1.27", **container}))
    causes = refused.value.status["details"]["causes"]
    assert any(c["field"] == field and words in c["message"] for c in causes), causes
    assert refused.value.code == 422
