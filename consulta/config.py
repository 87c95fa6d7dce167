"""Settings from the environment, with safe defaults for development.

``CONSULTA_ENV`` is ``development`` (default), ``testing`` or ``production``.
Everything else is read from variables of the same name (see README).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENVIRONMENTS = ("development", "testing", "production")
#: A production SECRET_KEY must be at least this long (32 random bytes, hex or base64).
MIN_SECRET_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """Raised when the app must not start with the given settings."""


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


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
    env = os.environ if environ is None else environ
    mode = env.get("CONSULTA_ENV", "development").strip().lower()
    if mode not in ENVIRONMENTS:
        raise ConfigurationError(f"CONSULTA_ENV must be one of {', '.join(ENVIRONMENTS)}")
    production = mode == "production"
    debug = _bool(env.get("FLASK_DEBUG"))
    if production and debug:
        raise ConfigurationError("Debug mode must not be on in production (unset FLASK_DEBUG).")

    secret_key = env.get("SECRET_KEY", "")
    if production:
        if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 10:
            raise ConfigurationError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters in production "
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

    database_url = env.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "consulta.db")
    )
    mail_server = env.get("MAIL_SERVER", "")

    return {
        "CONSULTA_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Schema upgraded on start in development; production runs `flask db upgrade`.
        "AUTO_MIGRATE": _bool(env.get("AUTO_MIGRATE"), default=mode == "development"),
        "TRUSTED_HOSTS": trusted_hosts or None,
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "0")),
        # Trust X-Forwarded-Host/-Prefix only when the proxy sets them itself.
        "PROXY_TRUST_HOST": _bool(env.get("PROXY_TRUST_HOST")),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024))),
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
        # Rate limits (Flask-Limiter syntax). Storage: memory by default, Redis in production.
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
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
        # Seconds a public page is reused for anonymous visitors (0: off). See core/cache.py.
        "PUBLIC_PAGE_CACHE_SECONDS": int(env.get("PUBLIC_PAGE_CACHE_SECONDS",
                                             "20" if production else "0")),
        # Seconds the public counts of a consultation page are reused per worker (0: off).
        "PUBLIC_FIGURES_CACHE_SECONDS": int(env.get("PUBLIC_FIGURES_CACHE_SECONDS",
                                                "60" if production else "0")),
        # Contributions
        "CONTRIBUTION_EDIT_MINUTES": int(env.get("CONTRIBUTION_EDIT_MINUTES", "15")),
        "RATELIMIT_SUBMIT_ACCOUNT": env.get("RATELIMIT_SUBMIT_ACCOUNT", "20 per hour"),
        "RATELIMIT_SUBMIT_IP": env.get("RATELIMIT_SUBMIT_IP", "120 per hour"),
        # Country settings (regions, sectors, time zone, privacy notice): the folder of the
        # deployment profile, read by create_app (see core/profile.py).
        "CONSULTA_PROFILE": env.get("CONSULTA_PROFILE", ""),
        # Only to catch a contradiction: the time zone is the profile's.
        "TIMEZONE": env.get("TIMEZONE", ""),
    }
