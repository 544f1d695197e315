"""The reverse-proxy deployment in the repository (deploy/nginx/gapmap.conf,
Debian's nginx): `nginx -t` accepts it, and a request through it over TLS
reaches gapmap with the forwarded headers that count — the session cookie
is Secure, links use the public base, and the client address is nginx's
view of it. The file is tested as written, with only its ports, upstream
and certificate paths replaced."""

import os
import re
import shutil
import socket
import subprocess
import time

import pytest
import requests
import urllib3

from conftest import ROOT
from proxylib import PASSWORD, add_users, proxied_server

CONF = ROOT / "deploy" / "nginx" / "gapmap.conf"


def nginx_bin():
    b = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(b):
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing: `make deps` installs Debian's nginx")
        pytest.skip("nginx is not installed (make deps installs it)")
    return b


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(tmp, upstream_port, http_port, https_port):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=karte.example.lv", "-keyout", tmp / "key.pem", "-out", tmp / "cert.pem"],
                   check=True, capture_output=True)
    text = CONF.read_text()
    text = text.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};")
    text = re.sub(r"^\s*listen \[::\].*\n", "", text, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    text = text.replace("/etc/letsencrypt/live/karte.example.lv/fullchain.pem", str(tmp / "cert.pem"))
    text = text.replace("/etc/letsencrypt/live/karte.example.lv/privkey.pem", str(tmp / "key.pem"))
    (tmp / "gapmap.conf").write_text(text)
    temp = "\n".join(f"    {k}_temp_path {tmp}/{k};" for k in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    (tmp / "nginx.conf").write_text(f"""daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
    include {tmp}/gapmap.conf;
}}
""")
    return tmp / "nginx.conf"


def test_nginx_accepts_the_configuration_and_forwards_over_tls(jelgava_store, tmp_path):
    nginx = nginx_bin()
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    add_users(store, ["ilze"])
    s = proxied_server(store, tmp_path, 'public_url = "https://karte.example.lv"\n')
    http_port, https_port = free_port(), free_port()
    upstream = int(s.url.rsplit(":", 1)[1])
    conf = render(tmp_path, upstream, http_port, https_port)
    t = subprocess.run([nginx, "-t", "-c", conf, "-p", tmp_path], capture_output=True, text=True)
    assert t.returncode == 0, t.stderr
    proc = subprocess.Popen([nginx, "-c", conf, "-p", tmp_path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    urllib3.disable_warnings()
    try:
        base = f"https://127.0.0.1:{https_port}"
        deadline = time.time() + 20
        while True:
            try:
                r = requests.get(base + "/healthz", headers={"Host": "karte.example.lv"}, verify=False, timeout=5)
                break
            except requests.ConnectionError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200 and r.headers["strict-transport-security"]
        plain = requests.get(f"http://127.0.0.1:{http_port}/map", allow_redirects=False, timeout=5,
                             headers={"Host": "karte.example.lv"})
        assert plain.status_code == 301 and plain.headers["location"] == "https://karte.example.lv/map"
        r = requests.post(base + "/api/v1/session", json={"username": "ilze", "password": PASSWORD}, verify=False,
                          headers={"Host": "karte.example.lv", "Origin": "https://karte.example.lv"}, timeout=30)
        assert r.status_code == 200, r.text
        assert "Secure" in r.headers["set-cookie"]
        landing = requests.get(base + "/ogc", params={"f": "json"}, headers={"Host": "karte.example.lv"},
                               verify=False, timeout=30).json()
        assert all(link["href"].startswith("https://karte.example.lv/") for link in landing["links"])
        # A spoofed X-Forwarded-For from the client is replaced by nginx's view.
        codes = [requests.post(base + "/api/v1/reports", verify=False, timeout=30,
                               headers={"Host": "karte.example.lv", "X-Forwarded-For": f"10.1.1.{i}"},
                               json={"kind": "other", "site_id": "library-vilce", "text": "caur proxy"}).status_code
                 for i in range(22)]
        assert codes[:20] == [201] * 20 and 429 in codes[20:], codes
    finally:
        proc.terminate()
        proc.wait(10)
        s.stop()
