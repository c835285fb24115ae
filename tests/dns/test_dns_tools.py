"""Stories about a process pod's nslookup, dig and wget: they read the pod's resolv.conf and ask
its nameserver on port 53, as a container's own tools would.

The "pod" is a folder with etc/resolv.conf ($KUBELAB_CONTAINER_DIR, as the process runtime sets
it); the nameserver is a DNSServer on a loopback address of its own, port 53 (root, or a
lowered net.ipv4.ip_unprivileged_port_start, as `kubelab up --runtime process` needs too).
"""
import http.server
import threading

import pytest

from kubelab.dns import tools
from kubelab.dns.server import DNSServer

NAMESERVER = "127.53.0.10"
RECORDS = {"web.shop.svc.cluster.local": ("A", "127.53.0.80"),
           "_http._tcp.web.shop.svc.cluster.local": ("SRV", "0 100 8053 web.shop.svc.cluster.local")}


def lookup(name, qtype):
    if name in RECORDS and RECORDS[name][0] == qtype:
        return "NOERROR", [(name, *RECORDS[name])], []
    return "NXDOMAIN", [], []


@pytest.fixture
def pod(tmp_path, monkeypatch):
    try:
        # names outside the zone: forwarded to a resolver that knows none (NXDOMAIN), as CoreDNS would
        server = DNSServer(lookup, NAMESERVER, 53, forward=lambda name, qtype: ("NXDOMAIN", [], [])).start()
    except PermissionError:
        pytest.skip("binding port 53 needs root (as the CoreDNS pods of kubelab up --runtime process do)")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "resolv.conf").write_text(
        f"search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver {NAMESERVER}\n"
        "options ndots:5 timeout:1 attempts:1\n")
    monkeypatch.setenv("KUBELAB_CONTAINER_DIR", str(tmp_path))
    yield tmp_path
    server.stop()


def test_nslookup_of_a_short_name_finds_the_service_through_the_search_list(pod, capsys):
    assert tools.main(["nslookup", "web"]) == 0
    assert capsys.readouterr().out == (f"Server:\t\t{NAMESERVER}\nAddress:\t{NAMESERVER}:53\n\n"
                                       "Name:\tweb.shop.svc.cluster.local\nAddress: 127.53.0.80\n\n")
    assert tools.main(["nslookup", "nope"]) == 1
    assert "** server can't find nope: NXDOMAIN" in capsys.readouterr().out
    assert tools.main(["nslookup", "-type=srv", "_http._tcp.web.shop.svc.cluster.local"]) == 0
    assert "service = 0 100 8053 web.shop.svc.cluster.local" in capsys.readouterr().out
    assert tools.main(["nslookup", "--bogus", "web"]) == 1          # refused, not ignored


def test_dig_asks_the_name_as_given_unless_told_to_search(pod, capsys):
    assert tools.main(["dig", "+short", "web.shop.svc.cluster.local"]) == 0
    assert capsys.readouterr().out == "127.53.0.80\n"
    assert tools.main(["dig", "web"]) == 0
    assert "status: NXDOMAIN" in capsys.readouterr().out
    assert tools.main(["dig", "+search", "+short", "web"]) == 0
    assert capsys.readouterr().out == "127.53.0.80\n"
    assert tools.main(["dig", "_http._tcp.web.shop.svc.cluster.local", "SRV"]) == 0
    out = capsys.readouterr().out
    assert "_http._tcp.web.shop.svc.cluster.local.\t30\tIN\tSRV\t0 100 8053 web.shop.svc.cluster.local" in out


def test_host_prints_one_line_per_record_and_nxdomain_as_bind_does(pod, capsys):
    assert tools.main(["host", "web"]) == 0
    assert capsys.readouterr().out == "web.shop.svc.cluster.local has address 127.53.0.80\n"
    assert tools.main(["host", "nope"]) == 1
    assert capsys.readouterr().out == "Host nope not found: 3(NXDOMAIN)\n"


def test_wget_resolves_the_host_then_fetches_from_its_address(pod, capsys):
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"host {self.headers['Host']}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    web = http.server.HTTPServer(("127.53.0.80", 0), Page)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    port = web.server_address[1]
    try:
        assert tools.main(["wget", "-qO-", f"http://web:{port}/"]) == 0
        assert capsys.readouterr().out == f"host web:{port}\n"
        assert tools.main(["wget", "-O", "-", f"http://nope:{port}/"]) == 1
        assert "wget: bad address 'nope'" in capsys.readouterr().err
        assert tools.main(["wget", "-qO", str(pod / "page"), f"http://web.shop:{port}/"]) == 0
        assert (pod / "page").read_text() == f"host web.shop:{port}\n"
    finally:
        web.shutdown()
