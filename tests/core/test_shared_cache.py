"""Several app processes act as one when CACHE_URL points at a shared Redis or Valkey:
one rate limit for an address, one version of the reference data. Run against the real
server that .ci/run starts (REQUIRE_REDIS=1 there); skipped with a notice elsewhere."""

import subprocess
import sys
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.shared import shared

pytestmark = pytest.mark.django_db

PROCESS = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "annuaire.settings"
django.setup()
from core import ratelimit, shared
if sys.argv[1] == "hit":
    print(",".join(str(ratelimit.allow("shared-test", "192.0.2.1", 5, 60)) for _ in range(4)))
else:
    shared.forget(sys.argv[2])
"""


def other_process(root, cache_url, prefix, *args):
    env = {"CACHE_URL": cache_url, "CACHE_KEY_PREFIX": prefix, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", PROCESS, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def prefix():
    return f"test-{uuid.uuid4().hex}"


def test_two_app_processes_share_one_rate_limit(redis_url, project_root, prefix):
    first = other_process(project_root, redis_url, prefix, "hit")
    second = other_process(project_root, redis_url, prefix, "hit")
    assert first == "True,True,True,True"
    assert second == "True,False,False,False"  # 5 in all for the address, not 5 each


def test_with_memory_local_to_each_process_limits_are_per_process(project_root, prefix):
    """What README and the start-up warning say: without CACHE_URL, each counts alone."""
    assert other_process(project_root, "", prefix, "hit") == "True,True,True,True"
    assert other_process(project_root, "", prefix, "hit") == "True,True,True,True"


def test_reference_data_forgotten_by_another_process_is_rebuilt_here(
    redis_url, project_root, prefix
):
    config = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=config):
        try:
            assert shared("lexicon-test", lambda: "version 1") == "version 1"
            assert shared("lexicon-test", lambda: "never built") == "version 1"  # kept
            other_process(project_root, redis_url, prefix, "forget", "lexicon-test")
            assert shared("lexicon-test", lambda: "version 2") == "version 2"
        finally:
            caches["default"].clear()
