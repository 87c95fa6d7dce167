"""What /health reports: one check per dependency, in a dict that parts can extend.

Each check returns ``(state, healthy)``: ``state`` is what /health shows for it (a string
or a small dict), ``healthy`` whether it works as configured. A failed *critical* check
(the database) makes /health answer 503; any other failure answers 200 with status
"degraded" (the site works, with less: rate limits counted per process, no shared cache).
"""

import logging

from flask import current_app

from consulta.extensions import cache, limiter

from .database import database_is_reachable
from .dates import utcnow
from .mail import outbox_backlog

log = logging.getLogger(__name__)

#: name -> (check, critical). Register more with ``register_health_check``.
HEALTH_CHECKS = {}


def register_health_check(name, check, *, critical=False):
    """Add ``check()`` -> (state, healthy) to /health under ``name``."""
    HEALTH_CHECKS[name] = (check, critical)


def health_report():
    """(report dict, HTTP status) for /health."""
    report, status = {}, "ok"
    for name, (check, critical) in HEALTH_CHECKS.items():
        try:
            state, healthy = check()
        except Exception:
            log.exception("health check %s failed", name)
            state, healthy = "error", False
        report[name] = state
        if not healthy:
            status = "error" if critical or status == "error" else "degraded"
    return {"status": status, **report}, 503 if status == "error" else 200


def _database():
    return ("ok", True) if database_is_reachable() else ("unreachable", False)


def redis_is_reachable(url):
    import redis  # the "production" extra: only needed when REDIS_URL is set

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1,
                                         socket_timeout=1).ping())
    except redis.RedisError as error:
        log.error("health check: Redis unreachable at its REDIS_URL: %s", error)
        return False


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured", True
    return ("ok", True) if redis_is_reachable(url) else ("unreachable", False)


def _rate_limits():
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if not current_app.config["RATELIMIT_ENABLED"]:
        return "off", True
    if uri.startswith("memory://"):
        return "memory (each worker counts apart)", True
    try:
        healthy = bool(limiter.storage.check())
    except Exception:
        healthy = False
    return ("ok", True) if healthy else ("unreachable: counting per worker meanwhile", False)


def _cache():
    config = current_app.config
    if not config.get("PUBLIC_PAGE_CACHE_SECONDS"):
        return "off", True
    kind = "redis" if config.get("CACHE_TYPE") == "RedisCache" else "in-process"
    try:
        cache.cache.set("health", 1, timeout=10)
        healthy = cache.cache.get("health") == 1
    except Exception:
        healthy = False
    return (kind, True) if healthy else (f"{kind}: unreachable, pages rendered each time",
                                         False)


def _outbox():
    """The mail backlog: a growing queue or given-up messages mean mail is not going out."""
    backlog = outbox_backlog()
    oldest = backlog["oldest_waiting"]
    return ({"waiting": backlog["waiting"], "given_up": backlog["given_up"],
             "oldest_waiting": oldest.isoformat() if oldest else None,
             "oldest_waiting_minutes": int((utcnow() - oldest).total_seconds() // 60)
             if oldest else None},
            not backlog["given_up"])


register_health_check("database", _database, critical=True)
register_health_check("redis", _redis)
register_health_check("rate_limits", _rate_limits)
register_health_check("cache", _cache)
register_health_check("outbox", _outbox)
