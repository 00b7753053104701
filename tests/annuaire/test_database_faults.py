"""Database faults fail fast, on a throwaway PostgreSQL of the test's own (never the shared
one): stopped or frozen, pages answer a styled 503 « Service momentanément indisponible »
and /healthz a 503 within the connection timeout, instead of hanging; resumed, the same
process serves again without a restart."""

import contextlib
import glob
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
pytestmark = pytest.mark.skipif(
    not BINARIES, reason="PostgreSQL's server binaries are absent (apt-get install postgresql)"
)

# One process, several requests, as a gunicorn worker serves them; prints status and seconds.
CLIENT = """
import sys, time, django
django.setup()
from django.db import close_old_connections
from django.test import Client
client = Client(raise_request_exception=False)
for line in sys.stdin:
    started = time.monotonic()
    close_old_connections()  # as a server does at each request's start and end (CONN_MAX_AGE)
    response = client.get(line.strip())
    close_old_connections()
    body = response.content.decode()
    print(response.status_code, round(time.monotonic() - started, 1),
          "indisponible" in body or "unreachable" in body, flush=True)
"""


def _as_postgres(command):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def throwaway_postgres():
    bin_dir = Path(BINARIES[-1]).parent
    # Outside pytest's private tmp (root only): the server runs as the postgres user.
    data = Path(tempfile.mkdtemp(prefix="annuaire-throwaway-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = data / "server.log"
    subprocess.run(
        _as_postgres(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,  # the server keeps its output: a pipe would never close
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    yield {"url": f"postgres://postgres@127.0.0.1:{port}/postgres", "pid": postmaster}
    _signal_all(postmaster, signal.SIGCONT)
    subprocess.run(
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    shutil.rmtree(data, ignore_errors=True)


def _signal_all(postmaster, signum):
    """The postmaster and every backend of the throwaway cluster (a frozen server)."""
    children = subprocess.run(
        ["pgrep", "-P", str(postmaster)], capture_output=True, text=True
    ).stdout.split()
    for pid in [postmaster, *map(int, children)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


class App:
    """A Django process with production settings on the throwaway database."""

    def __init__(self, database_url):
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CACHE_URL"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="annuaire.settings",
            DATABASE_URL=database_url,
            DB_CONNECT_TIMEOUT="2",
            DEBUG="0",
            SECRET_KEY="x" * 50,
            ALLOWED_HOSTS="testserver",
            SECURE_SSL_REDIRECT="0",
            STATIC_MANIFEST="0",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", CLIENT],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def get(self, path, patience=20):
        self.process.stdin.write(path + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], patience)
        if not ready:
            pytest.fail(f"{path}: no answer after {patience} s (the request hangs)")
        status, seconds, explained = self.process.stdout.readline().split()
        return int(status), float(seconds), explained == "True"

    def close(self):
        self.process.kill()


def test_a_frozen_then_resumed_database(throwaway_postgres):
    app = App(throwaway_postgres["url"])
    try:
        assert app.get("/healthz")[0] == 200
        _signal_all(throwaway_postgres["pid"], signal.SIGSTOP)
        for path in ("/healthz", "/prestataires/?q=nextcloud", "/healthz"):
            status, seconds, explained = app.get(path)
            assert status == 503 and explained, path
            assert seconds < 10, f"{path} took {seconds} s"  # not a hang
        _signal_all(throwaway_postgres["pid"], signal.SIGCONT)
        time.sleep(0.5)
        assert app.get("/healthz")[0] == 200
    finally:
        app.close()


def test_a_stopped_database_answers_at_once(throwaway_postgres):
    app = App(throwaway_postgres["url"])
    try:
        assert app.get("/healthz")[0] == 200
        os.kill(throwaway_postgres["pid"], signal.SIGINT)  # fast shutdown
        time.sleep(1)
        status, seconds, explained = app.get("/prestataires/?q=nextcloud")
        assert (status, explained) == (503, True)
        assert seconds < 3
        assert app.get("/healthz")[0] == 503
    finally:
        app.close()
