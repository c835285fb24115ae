"""Process mode: kubelab as separate OS processes on 127.0.0.1, talking HTTP (`kubelab up`).

The same component classes as the in-process `Cluster` (kubelab/cluster/), each run as its own
program with a real clock and an HTTP client, the way an installer starts them:

    up.py              `kubelab up`: plan, credentials and kubeconfigs, start in order, wait, stop
    supervisor.py      children restarted with CrashLoopBackOff-style backoff
    control.py         `kubelab fault …` over DIR/control.sock
    daemon.py          one component as a process (`kubelab scheduler`, `kubelab kubelet`, …)
    front.py           the HTTPS front: one address, round robin over the API server instances
    certificate.py     the front's self-signed serving certificate
    store_server.py    a memory/file store served over etcd's v3 JSON protocol
    kubelet_server.py  a kubelet's own HTTP server (container logs for `kubectl logs`)
    background.py      `kubelab up` in the background, for a notebook or a test
    dns_addon.py       --runtime process: kubeadm's CoreDNS add-on (pods behind kube-dns)
    dns_component.py   simulated: kube-dns + `kubelab dns` on 127.0.0.1, asked by the kubelets

It sits beside cluster/ (neither imports the other) and above every component.
"""
