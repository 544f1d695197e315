"""A throw-away PostgreSQL cluster with PostGIS for the PostGIS store's
tests (scripts/pgcluster.sh), haproxy in front of several gapmap servers,
and stores copied into fresh databases."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "pgcluster.sh"
PGBIN = Path("/usr/lib/postgresql/15/bin")


def require_postgres():
    """PostgreSQL 15 with PostGIS and haproxy are installed by `make deps`:
    missing under CI=true is a failure, elsewhere a skip with the reason."""
    missing = [p for p in (PGBIN / "initdb", Path("/usr/share/postgresql/15/extension/postgis.control"))
               if not p.exists()]
    if not shutil.which("haproxy"):
        missing.append(Path("haproxy"))
    if missing:
        msg = "needs " + ", ".join(map(str, missing)) + " (make deps installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


class Cluster:
    """A cluster of its own (the drills stop and start it). Its directory
    is made beside the others in TMPDIR, not under pytest's private tmp:
    the server runs as the `postgres` user when the tests run as root."""

    def __init__(self):
        import tempfile
        self.dir = Path(tempfile.mkdtemp(prefix="gapmap-pgt.", dir=os.environ.get("TMPDIR", "/tmp")))
        self.url = subprocess.run([SCRIPT, "start", self.dir], check=True, capture_output=True,
                                  text=True).stdout.strip()
        self.n = 0

    def createdb(self, label="db") -> str:
        self.n += 1
        return subprocess.run([SCRIPT, "createdb", self.dir, f"{label}{self.n}"], check=True,
                              capture_output=True, text=True).stdout.strip()

    def stop(self):
        subprocess.run([SCRIPT, "stop", self.dir], check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_again(self):
        subprocess.run([SCRIPT, "restart", self.dir], check=False, capture_output=True)

    def pg_ctl(self, *args):
        cmd = [str(PGBIN / "pg_ctl"), "-D", str(self.dir / "data"), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Balancer:
    """haproxy, round robin over the servers, each health-checked on
    /healthz every 200 ms; a request to a server that died is retried on
    another (the way a production balancer is configured)."""

    def __init__(self, tmp: Path, servers):
        self.port = free_port()
        backends = "\n".join(
            f"  server s{i} {s.url.removeprefix('http://')} check" for i, s in enumerate(servers))
        cfg = tmp / "haproxy.cfg"
        cfg.write_text(f"""global
  maxconn 512
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on all-retryable-errors
frontend web
  bind 127.0.0.1:{self.port}
  default_backend gapmap
backend gapmap
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 200ms fall 1 rise 1
{backends}
""")
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                raise AssertionError("haproxy exited: " + self.proc.stderr.read())
            time.sleep(0.1)
        raise AssertionError("haproxy did not answer within 20 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def health(server):
    return requests.get(server.url + "/healthz", timeout=10).json()
