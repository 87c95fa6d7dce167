"""Settings from the environment, with safe defaults for development.

``CONSULTA_ENV`` is ``development`` (default), ``testing`` or ``production``.
Everything else is read from variables of the same name (see README).
"""

import math
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

ENVIRONMENTS = ("development", "testing", "production")
#: A production SECRET_KEY must be at least this long (32 random bytes, hex or base64).
MIN_SECRET_KEY_LENGTH = 32


#: ...and carry at least this many bits by the estimate of ``secret_key_bits``.
MIN_SECRET_KEY_BITS = 128
#: The file the app, the command line and cron all read settings from (see
#: ``read_environment``); ``CONSULTA_SETTINGS_FILE`` names another.
DEFAULT_SETTINGS_FILE = Path(__file__).resolve().parent.parent / ".env"
#: Flask's own reading of FLASK_DEBUG (flask.helpers.get_debug_flag): anything else is on.
FLASK_DEBUG_OFF = ("", "0", "false", "no")


class ConfigurationError(RuntimeError):
    """Raised when the app must not start with the given settings."""


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def secret_key_bits(key):
    """A pessimistic estimate of the randomness in ``key``, in bits.

    The key is cut at separators (``-_.:/+= ``); a piece that reads like a word (letters
    in one case, up to 12) counts as one word of a large vocabulary (11 bits), a year
    as 7 bits, anything else as its length times the bits of its alphabet (hex 4,
    digits 3.3, letters 4.7 or 5.7, letters and digits 6). So
    ``consulta-production-secret-key-2026`` is worth 51 bits, ``secrets.token_hex(32)``
    256.
    """
    bits = 0.0
    for piece in re.split(r"[-_.:/+= ]+", key):
        if not piece:
            continue
        if piece.isalpha() and (piece.islower() or piece.isupper()) and len(piece) <= 12:
            bits += 11
        elif re.fullmatch(r"(19|20)\d\d", piece):
            bits += 7
        elif piece.isdigit():
            bits += len(piece) * math.log2(10)
        elif re.fullmatch(r"[0-9a-f]+|[0-9A-F]+", piece):
            bits += len(piece) * 4
        elif piece.isalpha():
            bits += len(piece) * math.log2(26 if piece.islower() or piece.isupper() else 52)
        else:
            bits += len(piece) * 6
    return bits


def read_environment(environ=None):
    """The settings: the process environment over the settings file.

    The app (gunicorn), the command line and cron all call this, so a cron job that
    starts without the variables exported in the operator's shell still reads the same
    settings. The file is ``.env`` beside ``wsgi.py`` (dotenv format: ``NAME=value`` per
    line, the format Flask's command line and systemd's ``EnvironmentFile`` also read),
    or the one named by ``CONSULTA_SETTINGS_FILE``, which must then exist.
    """
    env = dict(os.environ if environ is None else environ)
    named = env.get("CONSULTA_SETTINGS_FILE", "").strip()
    path = Path(named) if named else DEFAULT_SETTINGS_FILE
    if not path.is_file():
        if named:
            raise ConfigurationError(f"CONSULTA_SETTINGS_FILE names {path}, which does not "
                                     "exist.")
        return env
    from dotenv import dotenv_values

    values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    return {**values, **env}


def normalize_database_url(url):
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual way."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _development_secret_key(instance_path):
    """A random key created once and kept in instance/, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path.read_text().strip()


def build_config(instance_path, environ=None):
    env = read_environment() if environ is None else environ
    mode = env.get("CONSULTA_ENV", "development").strip().lower()
    if mode not in ENVIRONMENTS:
        raise ConfigurationError(f"CONSULTA_ENV must be one of {', '.join(ENVIRONMENTS)}")
    production = mode == "production"
    debug = env.get("FLASK_DEBUG", "").strip().lower() not in FLASK_DEBUG_OFF
    if production and debug:
        raise ConfigurationError("Debug mode must not be on in production (unset FLASK_DEBUG).")

    secret_key = env.get("SECRET_KEY", "")
    if production:
        if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 10 \
                or secret_key_bits(secret_key) < MIN_SECRET_KEY_BITS:
            raise ConfigurationError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters and {MIN_SECRET_KEY_BITS} bits in production "
                "(words, names and dates are guessable) "
                '(python -c "import secrets; print(secrets.token_hex(32))").'
            )
    elif not secret_key:
        secret_key = (
            "testing-secret-key-not-for-production"
            if mode == "testing"
            else _development_secret_key(instance_path)
        )

    trusted_hosts = [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if production and not trusted_hosts:
        raise ConfigurationError(
            "TRUSTED_HOSTS must name the host(s) of the site in production (for example "
            "consulta.example.org), so that links in e-mails can never point elsewhere.")

    if production and not env.get("DATABASE_URL", "").strip():
        # A cron job without the operator's variables once ran on an empty SQLite file
        # and reported success: production never falls back to the default database.
        raise ConfigurationError(
            "DATABASE_URL is not set: in production Consulta never uses the default SQLite "
            f"file. Set it in {DEFAULT_SETTINGS_FILE} (read by the app, the command line "
            "and cron alike) or in the environment.")
    database_url = env.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "consulta.db")
    )
    mail_server = env.get("MAIL_SERVER", "")
    redis_url = env.get("REDIS_URL", "").strip()
    ratelimit_storage = env.get("RATELIMIT_STORAGE_URI", "").strip() or redis_url or "memory://"
    workers = env.get("WEB_CONCURRENCY", "").strip()
    ratelimit_enabled = _bool(env.get("RATELIMIT_ENABLED"), default=True)
    if (production and ratelimit_enabled and ratelimit_storage.startswith("memory://")
            and workers != "1"):
        raise ConfigurationError(
            "Rate limits need storage shared by every worker in production: set REDIS_URL "
            "(for example redis://127.0.0.1:6379/0). memory:// counts in each worker apart "
            "and is accepted only with WEB_CONCURRENCY=1 (a single gunicorn worker).")

    return {
        "CONSULTA_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        # A pooled connection is asked whether it still works after resting this long
        # (core.database.ping_rested_connections), not before every use: shorter than a
        # database restart, longer than a busy worker's pause between requests.
        "DATABASE_PING_AFTER_SECONDS": float(env.get("DATABASE_PING_AFTER_SECONDS", "2")),
        # PostgreSQL: JIT compilation of the app's statements (core.database.engine_options);
        # off unless asked for.
        "DATABASE_JIT": _bool(env.get("DATABASE_JIT")),
        # PostgreSQL: the role the app connects as, granted rights by `flask db upgrade`
        # (run as the migration role that owns the schema). See README.
        "DATABASE_APP_ROLE": env.get("DATABASE_APP_ROLE", "").strip(),
        # Schema upgraded on start in development; production runs `flask db upgrade`.
        "AUTO_MIGRATE": _bool(env.get("AUTO_MIGRATE"), default=mode == "development"),
        "TRUSTED_HOSTS": trusted_hosts or None,
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "0")),
        # Trust X-Forwarded-Host/-Prefix only when the proxy sets them itself.
        "PROXY_TRUST_HOST": _bool(env.get("PROXY_TRUST_HOST")),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024))),
        # Uploaded documents (follow-up evidence): see consulta/followup/documents.py.
        "DOCUMENT_MAX_BYTES": int(env.get("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        "DOCUMENT_STORAGE": env.get("DOCUMENT_STORAGE", "database").strip() or "database",
        # DOCUMENT_STORAGE=s3: an S3-compatible object store (boto3, the "s3" extra).
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL", "").strip(),
        "S3_BUCKET": env.get("S3_BUCKET", "").strip(),
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID", "").strip(),
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY", "").strip(),
        "S3_REGION": env.get("S3_REGION", "").strip(),
        # Cookies
        "SESSION_COOKIE_NAME": "consulta_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode != "development" and mode != "testing",
        "REMEMBER_COOKIE_NAME": "consulta_remember",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": mode != "development" and mode != "testing",
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        # Staff (moderator, secretariat, admin) sessions end after this long without a
        # request; 0 turns it off. See consulta/accounts/sessions.py.
        "STAFF_SESSION_IDLE_MINUTES": int(env.get("STAFF_SESSION_IDLE_MINUTES", "30")),
        # CSRF tokens live as long as a long form may stay open.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # i18n
        "LANGUAGES": ("es", "en"),
        "BABEL_DEFAULT_LOCALE": "es",
        # Accounts
        # Werkzeug's scrypt everywhere but in the test suite, which logs in thousands of
        # times: there a cheap pbkdf2 (tests/security/test_enumeration.py measures with
        # scrypt). Not read from the environment, so no deployment weakens it by mistake.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000" if mode == "testing" else "scrypt",
        "EMAIL_CONFIRMATION_MAX_AGE": int(env.get("EMAIL_CONFIRMATION_MAX_AGE", str(48 * 3600))),
        "PASSWORD_RESET_MAX_AGE": int(env.get("PASSWORD_RESET_MAX_AGE", str(2 * 3600))),
        # Redis: the rate-limit counters and the page cache, shared by every worker.
        "REDIS_URL": redis_url,
        # Rate limits (Flask-Limiter syntax). Storage: REDIS_URL when set, else memory
        # (one counter per process: refused in production with several workers).
        "RATELIMIT_ENABLED": ratelimit_enabled,
        "RATELIMIT_STORAGE_URI": ratelimit_storage,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}
        if ratelimit_storage.startswith("redis") else {},
        # Redis unreachable: count per process meanwhile (logged), never refuse everyone.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Prefix of the counters' keys (two sites sharing one Redis need different ones).
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", ""),
        # Page cache (Flask-Caching): Redis when REDIS_URL is set, else in-process.
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url or None,
        "CACHE_KEY_PREFIX": env.get("CACHE_KEY_PREFIX", "consulta:"),
        "CACHE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}
        if redis_url else None,
        "CACHE_THRESHOLD": 2000,
        "CACHE_DEFAULT_TIMEOUT": 300,
        # Login limits count failed attempts only.
        "RATELIMIT_LOGIN_IP": env.get("RATELIMIT_LOGIN_IP", "30 per 15 minutes"),
        "RATELIMIT_LOGIN_ACCOUNT": env.get("RATELIMIT_LOGIN_ACCOUNT", "10 per 15 minutes"),
        # Generous per IP: a workshop on shared wifi registers many people at once.
        "RATELIMIT_REGISTER_IP": env.get("RATELIMIT_REGISTER_IP", "50 per hour"),
        "RATELIMIT_REGISTER_ACCOUNT": env.get("RATELIMIT_REGISTER_ACCOUNT", "3 per hour"),
        "RATELIMIT_RESET_IP": env.get("RATELIMIT_RESET_IP", "10 per hour"),
        "RATELIMIT_RESET_ACCOUNT": env.get("RATELIMIT_RESET_ACCOUNT", "3 per hour"),
        # Mail: SMTP when MAIL_SERVER is set, otherwise written to the log (outbox kept).
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), default=True),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_TIMEOUT": int(env.get("MAIL_TIMEOUT", "10")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Consulta <no-reply@localhost>"),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETENTION_DAYS": int(env.get("MAIL_RETENTION_DAYS", "30")),
        # Deliver in a background thread so a slow mail server never blocks a request.
        "MAIL_SEND_ASYNC": _bool(env.get("MAIL_SEND_ASYNC"), default=mode != "testing"),
        "SITE_NAME": env.get("SITE_NAME", "Consulta"),
        # Minimum days between announcement and opening for the IRM "advance notice".
        "IRM_MIN_NOTICE_DAYS": int(env.get("IRM_MIN_NOTICE_DAYS", "14")),
        # Least number of people an aggregate of personal characteristics (gender) may
        # count to be published; smaller groups read "fewer than N" (summary/suppression.py).
        "SMALL_GROUP_MIN": max(int(env.get("SMALL_GROUP_MIN", "5")), 1),
        # Seconds a public page is kept for anonymous visitors (0: off); a change to what it
        # shows is visible at once, whatever this says. See core/cache.py.
        "PUBLIC_PAGE_CACHE_SECONDS": int(env.get("PUBLIC_PAGE_CACHE_SECONDS",
                                             "20" if production else "0")),
        # Megabytes of pages each worker keeps a copy of, read from Redis, until they
        # expire (0: none): a hit then asks Redis for the generations only. Nothing to
        # copy from the in-process cache. See core/cache.py.
        "PUBLIC_PAGE_COPIES_MB": max(int(env.get("PUBLIC_PAGE_COPIES_MB",
                                                 "32" if redis_url else "0")), 0),
        # Seconds the public counts of a consultation page are kept (0: off); a change to
        # the consultation recomputes them at once.
        "PUBLIC_FIGURES_CACHE_SECONDS": int(env.get("PUBLIC_FIGURES_CACHE_SECONDS",
                                                "60" if production else "0")),
        # Publishing a summary: its rows are read and sealed by this many processes at
        # most (forked for the publication; 1: by the worker alone), one per this many
        # rows (summary/sealing.py).
        "SUMMARY_PUBLISH_PROCESSES": max(int(env.get("SUMMARY_PUBLISH_PROCESSES",
                                                     str(min(os.cpu_count() or 1, 4)))), 1),
        "SUMMARY_PUBLISH_ROWS_PER_PROCESS": max(int(env.get(
            "SUMMARY_PUBLISH_ROWS_PER_PROCESS", "10000")), 1),
        # Contributions
        "CONTRIBUTION_EDIT_MINUTES": int(env.get("CONTRIBUTION_EDIT_MINUTES", "15")),
        "RATELIMIT_SUBMIT_ACCOUNT": env.get("RATELIMIT_SUBMIT_ACCOUNT", "20 per hour"),
        "RATELIMIT_SUBMIT_IP": env.get("RATELIMIT_SUBMIT_IP", "120 per hour"),
        # Lookups of a tracking code at /track, per IP (guessing codes stays slow).
        "RATELIMIT_TRACK_IP": env.get("RATELIMIT_TRACK_IP", "30 per 10 minutes"),
        # Followers (consulta/followup/followers.py): the follow form per IP and per
        # address typed (abuse: making the site mail strangers); how long a confirmation
        # link is valid (seconds); how many days after its start a phase is still told;
        # the site's address for links in messages queued by send-follow-notices.
        "RATELIMIT_FOLLOW_IP": env.get("RATELIMIT_FOLLOW_IP", "20 per hour"),
        "RATELIMIT_FOLLOW_ADDRESS": env.get("RATELIMIT_FOLLOW_ADDRESS", "5 per hour"),
        "FOLLOW_CONFIRMATION_MAX_AGE": int(env.get("FOLLOW_CONFIRMATION_MAX_AGE",
                                                   str(48 * 3600))),
        "FOLLOW_PHASE_NOTICE_DAYS": int(env.get("FOLLOW_PHASE_NOTICE_DAYS", "7")),
        "FOLLOW_SITE_URL": env.get("FOLLOW_SITE_URL", "").strip(),
        # Country settings (regions, sectors, time zone, privacy notice): the folder of the
        # deployment profile, read by create_app (see core/profile.py).
        "CONSULTA_PROFILE": env.get("CONSULTA_PROFILE", ""),
        # Only to catch a contradiction: the time zone is the profile's.
        "TIMEZONE": env.get("TIMEZONE", ""),
    }
