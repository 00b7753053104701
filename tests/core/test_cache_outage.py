"""When the shared cache goes down, the site stays up: pages are computed, rate limits
count in each process's memory, and the shared cache is used again once it is back.

On a throwaway redis-server of the test's own (the binary .ci/run installs), stopped,
frozen (SIGSTOP) and restarted by the test; never the shared one."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import caches

from core.ratelimit import allow

pytestmark = pytest.mark.django_db

RETRY = 3  # seconds the unreachable server is left alone (CACHE_RETRY_SECONDS)
REDIS_SERVER = shutil.which("redis-server") or shutil.which("valkey-server")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayRedis:
    def __init__(self, port):
        self.port = port
        self.process = None

    def start(self):
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [REDIS_SERVER, *arguments, "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def throwaway_redis(settings, request):
    if REDIS_SERVER is None:
        reason = "redis-server absent (apt-get install redis-server)"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 mais {reason}")
        pytest.skip(reason)
    server = ThrowawayRedis(free_port())
    server.start()
    options = {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_after_seconds": RETRY}
    location = f"redis://127.0.0.1:{server.port}/0"
    settings.CACHES = {
        name: {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"outage-{name}",
            "OPTIONS": options,
        }
        for name in ("default", "pages")
    }
    yield server
    server.stop()


def timed_get(client, path):
    start = time.monotonic()
    response = client.get(path)
    return response.status_code, time.monotonic() - start


def test_pages_are_served_while_the_shared_cache_is_stopped(client, throwaway_redis):
    assert client.get("/prestataires/?q=nextcloud").status_code == 200
    assert caches["default"].get("shared-probe") is None
    caches["default"].set("shared-probe", "dans Redis")

    throwaway_redis.stop()
    for path in ("/", "/prestataires/?q=nextcloud", "/logiciels/", "/healthz"):
        status, seconds = timed_get(client, path)
        assert status == 200, path
        assert seconds < 10, f"{path} hung {seconds:.1f} s"
    assert caches["default"].is_down
    assert caches["default"].get("shared-probe") is None  # not in the local memory

    throwaway_redis.start()  # a fresh, empty server on the same port
    time.sleep(RETRY)
    assert client.get("/").status_code == 200
    assert not caches["default"].is_down
    caches["default"].set("shared-probe", "de retour")
    assert caches["default"].get("shared-probe") == "de retour"


def test_limits_still_count_per_process_while_the_shared_cache_is_down(throwaway_redis):
    throwaway_redis.stop()
    hits = [allow("outage-test", "192.0.2.7", 3) for _ in range(5)]
    assert hits == [True, True, True, False, False]


def test_a_frozen_cache_costs_one_timeout_then_nothing(client, throwaway_redis):
    assert client.get("/").status_code == 200
    throwaway_redis.process.send_signal(signal.SIGSTOP)
    try:
        first_status, first = timed_get(client, "/prestataires/?q=dolibarr")
        then_status, then = timed_get(client, "/prestataires/?q=moodle")
    finally:
        throwaway_redis.process.send_signal(signal.SIGCONT)
    assert first_status == then_status == 200
    assert first < 10  # one socket timeout (1 s), not one per cache call
    assert then < first
    assert caches["default"].is_down
