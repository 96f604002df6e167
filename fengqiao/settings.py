"""Django settings for Fengqiao, read from the environment (and an optional `.env` file).

Every variable is documented in `.env.example`. The embedded default is SQLite under `var/`;
setting `DATABASE_URL` to a PostgreSQL URL switches to PostgreSQL (psycopg 3).
"""

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists() and not os.environ.get("FENGQIAO_IGNORE_DOTENV"):
    env.read_env(BASE_DIR / ".env", overwrite=False)


def _path(value) -> Path:
    """Relative paths in the configuration are relative to the project directory, not the cwd."""
    p = Path(value)
    return p if p.is_absolute() else BASE_DIR / p


VAR_DIR = _path(env.str("FENGQIAO_VAR_DIR", default="var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules or os.environ.get("FENGQIAO_TESTING") == "1"
DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
# Or from a file readable only by the service account (`make install` generates var/secret_key).
SECRET_KEY_FILE = _path(env.str("SECRET_KEY_FILE", default=str(VAR_DIR / "secret_key")))
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug-and-tests-" + "x" * 20
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY (or a SECRET_KEY_FILE) must be set when DEBUG is off (see .env.example). "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind TLS (nginx terminating HTTPS) every cookie is secure and plain HTTP is redirected.
HTTPS = env.bool("FENGQIAO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("FENGQIAO_BEHIND_PROXY", default=HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "fengqiao.core",
    "fengqiao.orgs",
    "fengqiao.accounts",
    "fengqiao.mediation",
    "fengqiao.corrections",
    "fengqiao.resettlement",
    "fengqiao.legalservices",
    "fengqiao.legalnet",
    "fengqiao.supervision",
    "fengqiao.education",
    "fengqiao.party",
    "fengqiao.assessment",
    "fengqiao.partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fengqiao.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fengqiao.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fengqiao.core.middleware.RequestContextMiddleware",
    "fengqiao.core.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fengqiao.urls"
WSGI_APPLICATION = "fengqiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fengqiao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fengqiao.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
SQLITE_PATH = _path(env.str("SQLITE_PATH", default=str(VAR_DIR / "fengqiao.sqlite3")))
DATABASE_URL = env.str("DATABASE_URL", default="")
# Lets several test runs share one machine without sharing a test database (e.g. "-a", "-b").
TEST_DB_TAG = env.str("FENGQIAO_TEST_DB_TAG", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...).")
    DATABASES["default"].setdefault("OPTIONS", {})
    # Tests serve pages from short-lived threads (the live server): persistent connections would
    # outlive them and keep the test database busy at teardown.
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if TEST_DB_TAG:
        DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}{TEST_DB_TAG}"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN
                # so that two concurrent writers queue on busy_timeout instead of failing mid-transaction.
                # A 64 MB page cache (the default is 2 MB) keeps the hot index pages of the big
                # tables (location fixes above all) in memory; it is only taken as it fills. A
                # checkpoint every 8,000 pages instead of 1,000 writes each hot page back once for
                # many transactions rather than once for a few.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=10000;PRAGMA cache_size=-65536;PRAGMA wal_autocheckpoint=8000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not Django's shared in-memory database: that one locks whole tables and
            # ignores busy_timeout, so concurrency tests would test something production never runs.
            "TEST": {"NAME": str(VAR_DIR / f"test-fengqiao{TEST_DB_TAG}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fengqiao.accounts.backends.UnitAwareModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "fengqiao.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fengqiao.accounts.validators.CharacterClassValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING and not env.bool("FENGQIAO_REAL_HASHER", default=False)
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes): by user name and address together, so that one
# attacker cannot lock a whole office out from another machine.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The same address the audit trail records (X-Real-IP behind nginx), so that the lockout keys on
# the real client and not on the proxy.
AXES_CLIENT_IP_CALLABLE = "fengqiao.core.middleware.axes_client_ip"
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fengqiao" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = _path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "fengqiao" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = _path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# --- Background work ------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend" if TESTING else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# --- Platform -------------------------------------------------------------------------------------
FENGQIAO = {
    # API tokens record their last use at most this often, so that a busy gateway does not turn
    # every read into a write.
    "TOKEN_LAST_USED_RESOLUTION_SECONDS": env.int("TOKEN_LAST_USED_RESOLUTION_SECONDS", default=60),
    "PAGE_SIZE": env.int("PAGE_SIZE", default=25),
}
PLATFORM_NAME = _("Fengqiao")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
