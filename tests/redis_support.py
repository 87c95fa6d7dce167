"""The real Redis of this machine (or CI's), for the tests that need one.

Each test gets its own key prefix, so tests (and helpers) sharing the server never see
each other's pages or counters; what a test wrote is deleted afterwards. Without a Redis
answering at REDIS_TEST_URL (default redis://127.0.0.1:6379/0) those tests are skipped
with the reason.
"""

import os
import uuid

import pytest

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


def redis_client_or_skip():
    try:
        import redis
    except ImportError:
        pytest.skip("the redis package is not installed (pip install -e '.[production]')")
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis answers at {REDIS_TEST_URL} ({error}); set REDIS_TEST_URL")
    return client


@pytest.fixture
def redis_prefix():
    """(client, prefix): a key prefix of this test's own, cleaned afterwards."""
    client = redis_client_or_skip()
    prefix = f"consulta-test-{uuid.uuid4().hex[:12]}:"
    yield client, prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)


def redis_settings(prefix, url=REDIS_TEST_URL):
    """App settings that put the page cache and the rate limits in Redis under ``prefix``."""
    options = {"socket_connect_timeout": 1, "socket_timeout": 2}
    return {"REDIS_URL": url, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url,
            "CACHE_KEY_PREFIX": prefix, "CACHE_OPTIONS": options,
            "RATELIMIT_STORAGE_URI": url, "RATELIMIT_STORAGE_OPTIONS": options,
            "RATELIMIT_KEY_PREFIX": prefix}


@pytest.fixture
def restore_limiter(database_url):
    """The rate limiter is one object for every app: after a test built an app on Redis,
    put it back on the session app's memory storage."""
    yield
    from .conftest import make_app

    make_app(database_url)
